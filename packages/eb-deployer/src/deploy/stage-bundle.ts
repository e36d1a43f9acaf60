import path from 'node:path';
import type { AwsAccess } from '@reletan/aws';
import type { DeployHooksConfig, ReletanConfig } from '@reletan/config';
import type { GitRunner, Logger, ReleaseIdentity } from '@reletan/core';
import { buildStageEnv } from '@reletan/env-bundler';
import { buildSourceBundle, type SourceBundle } from '../bundle/build-source-bundle.js';
import { generateHookFiles } from '../bundle/hooks.js';

export interface BuildStageBundleOptions {
  config: ReletanConfig;
  /** The repository: the config's root. */
  root: string;
  stage: string;
  /** The release the bundle's `.env` is built for (its cache prefix). */
  release: ReleaseIdentity | string;
  git: GitRunner;
  /** `deploy.hooks`: the migration and per-instance commands, generated into the bundle. */
  hooks: DeployHooksConfig;
  /** Where bundles are cached (`<root>/.reletan/bundles`). */
  cacheDir?: string | undefined;
  /** Where the zip goes. @default the cache's copy */
  out?: string | undefined;
  /** The SSM layer's AWS access. */
  aws?: AwsAccess | undefined;
  /** Where secret env values come from (`secretEnv`). @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The source bundle of a stage: the committed tree (or the `.ebignore` working tree), the stage's `.env`
 * built for the release (mode 0600, never written outside the bundle), and the hooks `deploy.hooks`
 * generates. The same commit, config and secrets give the same bytes, so the same version label.
 */
export async function buildStageBundle(
  options: BuildStageBundleOptions,
): Promise<SourceBundle & { envKeys: number }> {
  const env = await buildStageEnv({
    stage: options.stage,
    cwd: options.root,
    config: { config: options.config, root: options.root, file: undefined },
    release: options.release,
    git: options.git,
    sources: { env: options.env ?? process.env },
    dryRun: true,
    ...(options.aws ? { aws: options.aws } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const envPath = path.relative(options.root, env.out).split(path.sep).join('/');
  const bundle = await buildSourceBundle({
    cwd: options.root,
    extraFiles: [
      { path: envPath, content: env.rendered.content, mode: 0o600 },
      ...generateHookFiles(options.hooks),
    ],
    git: options.git,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.out ? { out: options.out } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...bundle, envKeys: Object.keys(env.built.values).length };
}
