import { usageError } from '@reletan/core';
import type { ReletanConfig, StageConfig, StageEnvConfig } from './schema.js';

/** A stage's env layers with every default filled in. */
export type ResolvedStageEnv = Required<Omit<StageEnvConfig, 'ssmPath'>> & Pick<StageEnvConfig, 'ssmPath'>;

export interface ResolvedStage extends Omit<StageConfig, 'env'> {
  name: string;
  env: ResolvedStageEnv;
}

/**
 * The default env layers of stage `name`: `.env.visible`, `.env.<name>.visible`; `.env.secret`,
 * `.env.<name>.secret`; schema `.env.example`; output `.env`. Missing files are allowed.
 */
export function defaultStageEnv(name: string): ResolvedStageEnv {
  return {
    visible: ['.env.visible', `.env.${name}.visible`],
    secret: ['.env.secret', `.env.${name}.secret`],
    schema: '.env.example',
    out: '.env',
    secretEnv: {},
  };
}

/** The stage `name` with its defaults applied; a usage error naming the known stages if it does not exist. */
export function resolveStage(config: ReletanConfig, name: string): ResolvedStage {
  const stage = config.stages[name];
  if (!stage) {
    const known = Object.keys(config.stages);
    throw usageError('STAGE_UNKNOWN', `unknown stage "${name}"`, {
      input: { path: `stages.${name}` },
      hint: known.length
        ? `stages in the config: ${known.join(', ')}`
        : 'the config defines no stages; add one under "stages"',
    });
  }
  const defaults = defaultStageEnv(name);
  const env = stage.env ?? {};
  return {
    ...stage,
    name,
    env: {
      visible: env.visible ?? defaults.visible,
      secret: env.secret ?? defaults.secret,
      schema: env.schema ?? defaults.schema,
      out: env.out ?? defaults.out,
      secretEnv: env.secretEnv ?? defaults.secretEnv,
      ...(env.ssmPath === undefined ? {} : { ssmPath: env.ssmPath }),
    },
  };
}
