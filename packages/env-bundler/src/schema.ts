import type { ParsedDotenv } from './dotenv-parse.js';
import { keyProblem } from './keys.js';
import { describeSource, sourceLocation } from './layers.js';
import type { KeyProvenance, MergedEnv } from './merge.js';
import type { EnvProblem } from './problems.js';

/** One key of the example file. */
export interface SchemaKey {
  key: string;
  line: number;
  /** Marked `# optional` on its line: it may be empty (it must still be set). */
  optional: boolean;
}

/** The example file (`.env.example`): every key the app needs. */
export interface EnvSchema {
  /** As shown to the user. */
  file: string;
  keys: SchemaKey[];
}

// At the start of the key's own comment: `# required, not optional` is no mark.
const OPTIONAL_MARK = /^#\s*optional\b/i;

/** Reads the example's keys (values are ignored) and what is wrong with the example itself. */
export function schemaFromDotenv(
  parsed: ParsedDotenv,
  file: string,
): { schema: EnvSchema; problems: EnvProblem[] } {
  // A line dotenv skips may be a key with a typo (`DB HOST=`): a requirement silently dropped.
  const problems: EnvProblem[] = parsed.ignoredLines.map((line) => ({
    severity: 'error',
    code: 'ENV_LINE_IGNORED',
    file,
    line,
    message: 'not a KEY= line: dotenv skips it, so the key it was meant to require is not required',
  }));
  const seen = new Map<string, number>();
  const keys: SchemaKey[] = [];
  for (const entry of parsed.entries) {
    const reason = keyProblem(entry.key);
    if (reason) {
      problems.push({
        severity: 'error',
        code: 'ENV_INVALID_KEY',
        key: entry.key,
        file,
        line: entry.line,
        message: `"${entry.key}" is ${reason}`,
      });
      continue;
    }
    const first = seen.get(entry.key);
    if (first !== undefined) {
      problems.push({
        severity: 'error',
        code: 'ENV_DUPLICATE_KEY',
        key: entry.key,
        file,
        line: entry.line,
        message: `${entry.key} is defined twice in ${file}: line ${first} and line ${entry.line}`,
      });
      continue;
    }
    seen.set(entry.key, entry.line);
    keys.push({ key: entry.key, line: entry.line, optional: OPTIONAL_MARK.test(entry.comment ?? '') });
  }
  return { schema: { file, keys }, problems };
}

/**
 * Every key of the example must be set, and non-empty unless marked `# optional`: optional keys may be
 * empty but not absent (Laravel's `env('KEY', default)` gives the default for an absent key, '' for an
 * empty one). Keys the example does not list are warnings, or errors when `strict`.
 */
export function checkSchema(
  schema: EnvSchema,
  merged: MergedEnv,
  options: { strict?: boolean } = {},
): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const listed = new Set(schema.keys.map((entry) => entry.key));
  for (const { key, line, optional } of schema.keys) {
    const value = merged.values.get(key);
    const source = merged.provenance.get(key)?.source;
    if (value === undefined) {
      problems.push({
        severity: 'error',
        code: 'ENV_SCHEMA_MISSING_KEY',
        key,
        file: schema.file,
        line,
        message: optional
          ? `${key} is marked optional in ${schema.file} (it may be empty but must be set) but no layer sets it`
          : `${key} is required by ${schema.file} but no layer sets it`,
      });
    } else if (value === '' && !optional) {
      problems.push({
        severity: 'error',
        code: 'ENV_SCHEMA_EMPTY_VALUE',
        key,
        ...sourceLocation(source),
        message: `${key} is empty (set by ${source ? describeSource(source) : '?'}); ${schema.file}:${line} requires a value (mark it "# optional" there to allow empty)`,
      });
    }
  }
  for (const [key, provenance] of merged.provenance) {
    if (listed.has(key)) continue;
    const source = provenance.source;
    const at = sourceLocation(source);
    problems.push(
      readOnlyFromSecretFiles(provenance)
        ? {
            severity: options.strict ? 'error' : 'warning',
            code: 'ENV_SCHEMA_EXTRA_KEY',
            ...at,
            message: `the key on this line is not in ${schema.file}; its name is not shown (text of a secret file that the example does not list as a key may be a secret): list it there, or remove the line`,
          }
        : {
            severity: options.strict ? 'error' : 'warning',
            code: 'ENV_SCHEMA_EXTRA_KEY',
            key,
            ...at,
            message: `${key} (${describeSource(source)}) is not in ${schema.file}`,
          },
    );
  }
  return problems;
}

/**
 * True when every definition of the key came from a secret file: its name is text of a secret file,
 * which may be a secret that happens to read as a key (a base64 token alone on a line, ending in `=`).
 */
export function readOnlyFromSecretFiles(provenance: KeyProvenance): boolean {
  return [provenance.source, ...provenance.overrode].every((source) => source.kind === 'secret-file');
}
