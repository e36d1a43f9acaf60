import { ReletanError } from '@reletan/core';

/** Problem codes, stable for scripts reading `--json`. */
export type EnvProblemCode =
  | 'ENV_DUPLICATE_KEY'
  | 'ENV_INVALID_KEY'
  | 'ENV_LINE_IGNORED'
  | 'ENV_VISIBLE_SECRET_CONFLICT'
  | 'ENV_COMPUTED_CONFLICT'
  | 'ENV_SECRET_ENV_UNSET'
  | 'ENV_SSM_INVALID_NAME'
  | 'ENV_SSM_DUPLICATE_KEY'
  | 'ENV_SCHEMA_MISSING_KEY'
  | 'ENV_SCHEMA_EMPTY_VALUE'
  | 'ENV_SCHEMA_EXTRA_KEY'
  | 'ENV_LOOKS_SECRET'
  | 'ENV_VALUE_UNWRITABLE'
  | 'ENV_EB_TOO_LARGE'
  | 'ENV_EB_VALUE_CHARACTERS';

/**
 * One thing wrong (or suspicious) with a stage's env layers. Messages name files, lines, keys and
 * layers, never a value: problems are printed, and some concern secrets.
 */
export interface EnvProblem {
  severity: 'error' | 'warning';
  code: EnvProblemCode;
  message: string;
  key?: string;
  /** The file, as shown to the user (relative to the working directory). */
  file?: string;
  /** 1-based. */
  line?: number;
}

/** `file:line: KEY: message`, the form editors and terminals link. */
export function formatProblem(problem: EnvProblem): string {
  const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}` : ''}: ` : '';
  const key = problem.key && !problem.message.includes(problem.key) ? `${problem.key}: ` : '';
  return `${where}${key}${problem.message}`;
}

/** The error a refused build throws: every error-level problem, each on its own line. */
export function problemsError(stage: string, problems: readonly EnvProblem[]): ReletanError {
  const errors = problems.filter((problem) => problem.severity === 'error');
  const [first] = errors;
  const single = errors.length === 1 && first !== undefined;
  return new ReletanError({
    code: 'ENV_INVALID',
    message: single
      ? `${formatProblem(first)} (stage ${stage})`
      : `stage ${stage}: ${errors.length} problems in the env layers`,
    ...(single
      ? {
          input: {
            ...(first.file ? { file: first.file } : {}),
            ...(first.line ? { line: first.line } : {}),
            ...(first.key ? { key: first.key } : {}),
          },
        }
      : {}),
    details: single ? [] : errors.map(formatProblem),
    hint: 'fix what is named above ({check} to list every problem); nothing was written',
    actions: { check: { type: 'run', command: ['env', 'check', stage], words: `check the env of ${stage}` } },
  });
}
