/**
 * What kind of failure an error is; the apps turn this into an exit code in one place ({@link exitCodeFor}).
 * - `usage`: bad usage, config or input; the user must change what they typed or wrote (exit 2).
 * - `failure`: the operation was attempted and failed (exit 1).
 * - `interrupted`: stopped by a signal (exit 130).
 */
export type ErrorKind = 'usage' | 'failure' | 'interrupted';

/** The input an error concerns, so the message can point at it. Every field is optional. */
export interface ErrorInput {
  /** A file, relative to the cwd where possible. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** 1-based column in `file`. */
  column?: number;
  /** A config path such as `stages.dev.deploy.environments[1].after`. */
  path?: string;
  /** A key, such as an environment variable name. */
  key?: string;
  /** A URL, such as a pull request's. */
  url?: string;
  /** A command line, such as a failed git command. */
  command?: string;
}

/**
 * Something a hint tells the user to do that an app spells in its own syntax: run an operation (the CLI
 * prints its command line), or pass an option to the operation that failed (the CLI prints its flag).
 * Libraries name operations and options, never command lines or flags, so a library called from a
 * pipeline or a service never advises a command that was not run.
 */
export type HintAction =
  | {
      type: 'run';
      /** The operation and its arguments, e.g. `['release', 'finish', '1.2.0']`. */
      command: readonly string[];
      /** Its options by their library names: `{ fetchRemote: true }`. */
      options?: Readonly<Record<string, true | string>>;
      /** How a library caller reads it: "finish release 1.2.0". */
      words: string;
    }
  | {
      type: 'option';
      /** The option's library name, e.g. `force` or `release`. */
      name: string;
      /** A placeholder for its value, e.g. `ID`. */
      value?: string;
      /** Passing it, or (`'omit'`) leaving it out. @default 'pass' */
      use?: 'pass' | 'omit';
      /** How a library caller reads it: "force the flush". */
      words: string;
    };

/** Spells a {@link HintAction} in an app's syntax; undefined keeps the words (e.g. an option the command lacks). */
export type HintActionRenderer = (action: HintAction) => string | undefined;

export interface ReletanErrorOptions {
  /** Stable, machine-readable code, e.g. `CONFIG_INVALID`. */
  code: string;
  message: string;
  /** @default 'failure' */
  kind?: ErrorKind;
  input?: ErrorInput;
  /**
   * The next step the user should take, in words. It may refer to `{name}`s of `actions`: a library
   * writes "then {rerun} again", a caller reads "then finish release 1.2.0 again", and the CLI that ran
   * it "then run "reletan release finish 1.2.0" again".
   */
  hint?: string;
  /** The operations and options the hint refers to (see {@link HintAction}). */
  actions?: Readonly<Record<string, HintAction>>;
  /** Further lines, e.g. every problem found in a config file. */
  details?: readonly string[];
  cause?: unknown;
}

/**
 * The one error type reletan throws on purpose. Everything a user needs is on it: a code, the input it
 * concerns, and the next step. Anything else that escapes is a bug and is reported as `INTERNAL`.
 */
export class ReletanError extends Error {
  override readonly name = 'ReletanError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly input: ErrorInput | undefined;
  /** The hint in words (actions spelled as words); apps render it with {@link renderHint}. */
  readonly hint: string | undefined;
  /** The hint as written, with its `{name}` placeholders. */
  readonly hintTemplate: string | undefined;
  readonly actions: Readonly<Record<string, HintAction>>;
  readonly details: readonly string[];

  constructor(options: ReletanErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.kind = options.kind ?? 'failure';
    this.input = options.input;
    this.hintTemplate = options.hint;
    this.actions = options.actions ?? {};
    this.hint =
      options.hint === undefined ? undefined : fillHint(options.hint, this.actions, () => undefined);
    this.details = options.details ?? [];
  }
}

/**
 * True for a {@link ReletanError}, also one thrown by another copy of this package
 * (a service may bundle its own), which `instanceof` would miss.
 */
export function isReletanError(error: unknown): error is ReletanError {
  return (
    error instanceof ReletanError ||
    (error instanceof Error &&
      error.name === 'ReletanError' &&
      typeof (error as Partial<ReletanError>).code === 'string' &&
      typeof (error as Partial<ReletanError>).kind === 'string')
  );
}

/** The hint of an error with its actions spelled by `render` (an app's syntax), words where it declines. */
export function renderHint(error: ReletanError, render?: HintActionRenderer): string | undefined {
  // An error made by another copy of this package (a service may bundle its own) may lack the template.
  if (error.hintTemplate === undefined) return error.hint;
  return fillHint(error.hintTemplate, error.actions, render ?? (() => undefined));
}

function fillHint(
  template: string,
  actions: Readonly<Record<string, HintAction>>,
  render: HintActionRenderer,
): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const action = actions[name];
    if (!action) return whole;
    return render(action) ?? action.words;
  });
}

/**
 * An app's wording for errors of one code: a hint, or a function of the error giving a hint or a new
 * message and hint (undefined keeps the library's).
 */
export type AppHint =
  | string
  | ((error: ReletanError) => string | { message?: string; hint?: string } | undefined);

/**
 * The error with the wording the app gives for its code, else the error as it is. Libraries advise in
 * words ("give a release id"); only the app knows the command that ran and its flags ("pass --release
 * ID"), so a library called from a pipeline or a service never advises a command that was not run.
 */
export function withAppHints(error: unknown, hints: Readonly<Partial<Record<string, AppHint>>>): unknown {
  if (!isReletanError(error)) return error;
  const hint = hints[error.code];
  if (hint === undefined) return error;
  const given = typeof hint === 'string' ? { hint } : hint(error);
  const wording = typeof given === 'string' ? { hint: given } : given;
  if (wording === undefined || (wording.hint === error.hint && wording.message === undefined)) return error;
  const rehinted = new ReletanError({
    code: error.code,
    message: wording.message ?? error.message,
    kind: error.kind,
    ...(error.input ? { input: error.input } : {}),
    hint: wording.hint ?? error.hintTemplate,
    actions: error.actions,
    details: error.details,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
  if (error.stack) rehinted.stack = error.stack;
  return rehinted;
}

/** Shorthand for the common "the user gave us something wrong" error. */
export function usageError(
  code: string,
  message: string,
  extra: Omit<ReletanErrorOptions, 'code' | 'message' | 'kind'> = {},
) {
  return new ReletanError({ ...extra, code, message, kind: 'usage' });
}

/** The process exit codes of both apps. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

/** Maps any thrown value to the exit code the apps use. Unknown errors are failures. */
export function exitCodeFor(error: unknown): number {
  if (!isReletanError(error)) return ExitCode.failure;
  switch (error.kind) {
    case 'usage':
      return ExitCode.usage;
    case 'interrupted':
      return ExitCode.interrupted;
    default:
      return ExitCode.failure;
  }
}

/** `file:line:column`, as editors and terminals link it. */
export function formatLocation(input: ErrorInput | undefined): string | undefined {
  if (!input?.file) return undefined;
  let out = input.file;
  if (input.line !== undefined) {
    out += `:${input.line}`;
    if (input.column !== undefined) out += `:${input.column}`;
  }
  return out;
}

export interface FormatErrorOptions {
  /** Include causes and stack traces. @default false */
  verbose?: boolean;
  /** Spells the hint's actions in the app's syntax. @default words */
  renderAction?: HintActionRenderer;
}

/** The human rendering of an error: one headline, its details, the hint; stacks only when verbose. */
export function formatError(error: unknown, options: FormatErrorOptions = {}): string {
  const lines: string[] = [];
  if (isReletanError(error)) {
    const location = formatLocation(error.input);
    const prefix = location && !error.message.startsWith(location) ? `${location}: ` : '';
    lines.push(`${prefix}${error.message}`);
    for (const detail of error.details) lines.push(`  - ${detail}`);
    const hint = renderHint(error, options.renderAction);
    if (hint) lines.push(`hint: ${hint}`);
    if (options.verbose) {
      lines.push(`code: ${error.code}`);
      if (error.stack) lines.push(stackFrames(error.stack));
      appendCauses(lines, error.cause);
    }
  } else {
    const message = error instanceof Error ? error.message : String(error);
    lines.push(`internal error: ${message}`);
    if (options.verbose && error instanceof Error) {
      if (error.stack) lines.push(stackFrames(error.stack));
      appendCauses(lines, error.cause);
    } else {
      lines.push('hint: this is a bug in reletan; rerun with --verbose and report the output');
    }
  }
  return lines.join('\n');
}

/** The `--json` rendering of an error. */
export function errorToJson(
  error: unknown,
  options: Pick<FormatErrorOptions, 'renderAction'> = {},
): {
  error: {
    code: string;
    kind: ErrorKind;
    message: string;
    input?: ErrorInput;
    hint?: string;
    details?: string[];
  };
} {
  if (isReletanError(error)) {
    return {
      error: {
        code: error.code,
        kind: error.kind,
        message: error.message,
        ...(error.input ? { input: error.input } : {}),
        ...(error.hint ? { hint: renderHint(error, options.renderAction) } : {}),
        ...(error.details.length ? { details: [...error.details] } : {}),
      },
    };
  }
  return {
    error: {
      code: 'INTERNAL',
      kind: 'failure',
      message: error instanceof Error ? error.message : String(error),
    },
  };
}

function stackFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .join('\n');
}

function appendCauses(lines: string[], cause: unknown, depth = 0): void {
  if (cause === undefined || depth > 5) return;
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  lines.push(`caused by: ${message}`);
  if (cause instanceof Error) {
    if (cause.stack) lines.push(stackFrames(cause.stack));
    appendCauses(lines, cause.cause, depth + 1);
  }
}
