import { describeSource, type EnvSource } from './layers.js';
import type { EnvProblem } from './problems.js';
import type { EnvResolution } from './resolve.js';

/** Where a key's value comes from in a stage. Never the value. */
export interface KeyExplanation {
  stage: string;
  key: string;
  /** False when no layer sets the key. */
  set: boolean;
  secret: boolean;
  /** The layer whose value wins. */
  source?: EnvSource & { description: string };
  /** Earlier definitions it replaced, oldest first. */
  overrode: (EnvSource & { description: string })[];
  /** The key's line in the example file, when it is listed there. */
  schema?: { file: string; line: number; optional: boolean };
  /** Problems concerning this key. */
  problems: EnvProblem[];
}

/** Which layer set `key` in this stage, what it overrode, and what the example file says of it. */
export function explainKey(resolution: EnvResolution, key: string): KeyExplanation {
  const record = resolution.provenance[key];
  const describe = (source: EnvSource) => ({ ...source, description: describeSource(source) });
  const listed = resolution.schema?.keys.find((entry) => entry.key === key);
  return {
    stage: resolution.stage,
    key,
    set: record !== undefined,
    secret: record?.secret ?? false,
    ...(record ? { source: describe(record.source) } : {}),
    overrode: record?.overrode.map(describe) ?? [],
    ...(listed && resolution.schema
      ? { schema: { file: resolution.schema.file, line: listed.line, optional: listed.optional } }
      : {}),
    problems: resolution.problems.filter((problem) => problem.key === key),
  };
}
