import { keyProblem } from './keys.js';
import { describeSource, type EnvSource, type LoadedLayer, sourceLocation } from './layers.js';
import type { EnvProblem } from './problems.js';

/** Where a merged key came from, and every earlier definition it replaced. */
export interface KeyProvenance {
  key: string;
  /** True when any definition came from a secret layer: the value is never shown. */
  secret: boolean;
  source: EnvSource;
  /** Earlier definitions, oldest first. */
  overrode: EnvSource[];
}

export interface MergedEnv {
  /** Keys in the order they were first defined. */
  values: Map<string, string>;
  provenance: Map<string, KeyProvenance>;
  problems: EnvProblem[];
}

function invalidKeyProblem(key: string, source: EnvSource, reason: string): EnvProblem {
  if (source.kind === 'ssm') {
    return {
      severity: 'error',
      code: 'ENV_SSM_INVALID_NAME',
      key,
      message: `SSM parameter ${source.parameter ?? '?'}: its key would be its last segment "${key}", which is ${reason}; rename the parameter`,
    };
  }
  if (source.kind === 'secret-file') {
    // Text of a secret file that is no valid key may well be a secret: named by its line only.
    return {
      severity: 'error',
      code: 'ENV_INVALID_KEY',
      message: `the key on this line is ${reason}; its name is not shown (the file holds secrets)`,
      ...sourceLocation(source),
    };
  }
  return {
    severity: 'error',
    code: 'ENV_INVALID_KEY',
    key,
    message: `"${key}" is ${reason} (${describeSource(source)})`,
    ...sourceLocation(source),
  };
}

function duplicateProblem(key: string, first: EnvSource, second: EnvSource): EnvProblem {
  if (second.kind === 'ssm') {
    return {
      severity: 'error',
      code: 'ENV_SSM_DUPLICATE_KEY',
      key,
      message: `${key} is set by two SSM parameters, ${first.parameter} and ${second.parameter} (the key is the last path segment)`,
    };
  }
  return {
    severity: 'error',
    code: 'ENV_DUPLICATE_KEY',
    key,
    message: `${key} is defined twice in ${second.file ?? second.layer}: line ${first.line} and line ${second.line}`,
    ...sourceLocation(second),
  };
}

/**
 * Applies layers in order. A later visible layer may override an earlier visible one, and a later secret
 * layer an earlier secret one (each override is recorded). A key in both a visible and a secret layer,
 * a key defined twice in one layer, and a computed key that any other layer also sets, are errors: the
 * merge still completes (later wins, secret wins) so every problem can be reported at once.
 */
export function mergeLayers(layers: readonly LoadedLayer[]): MergedEnv {
  const values = new Map<string, string>();
  const provenance = new Map<string, KeyProvenance>();
  const problems: EnvProblem[] = [];
  for (const layer of layers) {
    problems.push(...layer.problems);
    for (const { key, value, source } of layer.entries) {
      const reason = keyProblem(key);
      if (reason) {
        problems.push(invalidKeyProblem(key, source, reason));
        continue;
      }
      const current = provenance.get(key);
      if (!current) {
        values.set(key, value);
        provenance.set(key, { key, secret: source.secret, source, overrode: [] });
        continue;
      }
      const previous = current.source;
      if (previous.layer === source.layer) {
        problems.push(duplicateProblem(key, previous, source));
      } else if (previous.kind === 'computed' || source.kind === 'computed') {
        problems.push({
          severity: 'error',
          code: 'ENV_COMPUTED_CONFLICT',
          key,
          message: `${key} is computed by reletan but also set by ${describeSource(previous.kind === 'computed' ? source : previous)}; remove it there`,
          ...sourceLocation(previous.kind === 'computed' ? source : previous),
        });
      } else if (previous.secret !== source.secret) {
        const visible = previous.secret ? source : previous;
        const secret = previous.secret ? previous : source;
        problems.push({
          severity: 'error',
          code: 'ENV_VISIBLE_SECRET_CONFLICT',
          key,
          message: `${key} is in a visible layer (${describeSource(visible)}) and a secret layer (${describeSource(secret)}); keep it in one`,
          ...sourceLocation(visible),
        });
      }
      // Later wins, as in dotenv. Once any definition was secret the key stays secret, so a conflicting
      // key is never shown, whichever way round the conflict is.
      values.set(key, value);
      provenance.set(key, {
        key,
        secret: current.secret || source.secret,
        source,
        overrode: [...current.overrode, previous],
      });
    }
  }
  return { values, provenance, problems };
}
