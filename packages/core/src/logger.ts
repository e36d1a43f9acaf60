import pc from 'picocolors';
import { plainStepLine, type StepEvent, TaskList } from './progress.js';
import { Redactor } from './redactor.js';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** The part of a stream the logger needs; `process.stdout` and test buffers both fit. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** @default 'info' */
  level?: LogLevel;
  /** Machine-readable mode: {@link Logger.result} prints one JSON document on stdout. @default false */
  json?: boolean;
  /** Colour on stderr. @default detected: a TTY, and none of `NO_COLOR`, `CI`, `TERM=dumb` (`FORCE_COLOR` wins) */
  color?: boolean;
  /** Where results go. @default process.stdout */
  stdout?: OutputStream;
  /** Where diagnostics and progress go. @default process.stderr */
  stderr?: OutputStream;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Shared with whatever registers secrets. @default a new Redactor */
  redactor?: Redactor;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface Logger {
  readonly level: LogLevel;
  readonly json: boolean;
  readonly color: boolean;
  readonly redactor: Redactor;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  success(message: string): void;
  debug(message: string): void;
  /**
   * Prints a command's result: in JSON mode `data` as one JSON document on stdout, otherwise `human`
   * (when given) on stdout.
   */
  result(data: unknown, human?: string): void;
  /** Prints text on stdout as is (redacted), in human mode only: tables, notes, a printed config. */
  print(text: string): void;
  /**
   * Reports progress of a long wait: one line rewritten in place at a TTY; plain timestamped lines
   * otherwise (CI), with a repeat of the previous message suppressed.
   */
  progress(message: string): void;
  /**
   * Renders a plan's step events: a live task list at a TTY (finished steps with their durations, running
   * ones with their elapsed time), plain timestamped lines in CI and under `NO_COLOR`; nothing under `--quiet`.
   */
  step(event: StepEvent): void;
  /** Registers a secret: it is replaced by `***` in everything this logger prints. */
  secret(value: string): void;
  redact(text: string): string;
}

/** Whether to colour a stream, by the conventions of `NO_COLOR`, `FORCE_COLOR` and CI logs. */
export function shouldUseColor(stream: OutputStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR) return false;
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Whether progress may redraw a line in place: an interactive terminal, not a CI log. */
function isInteractive(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !(env.CI && env.CI !== 'false' && env.CI !== '0') && env.TERM !== 'dumb';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const level = options.level ?? 'info';
  const json = options.json ?? false;
  const color = options.color ?? shouldUseColor(stderr, env);
  const redactor = options.redactor ?? new Redactor();
  const now = options.now ?? (() => new Date());
  const colors = pc.createColors(color);
  const interactive = isInteractive(stderr, env);
  let progressShown = false;
  let lastProgress: string | undefined;

  const enabled = (wanted: LogLevel) => LEVELS[level] >= LEVELS[wanted];

  // The live task list (a TTY only), and the timer that keeps its elapsed times moving.
  const tasks =
    interactive && !env.NO_COLOR
      ? new TaskList({
          write: (text) => stderr.write(redactor.redact(text)),
          now: () => now().getTime(),
          style: {
            done: colors.green,
            failed: colors.red,
            running: colors.cyan,
            dim: colors.dim,
          },
        })
      : undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;

  const clearProgress = () => {
    tasks?.clear();
    if (progressShown) {
      stderr.write('\r\x1b[2K');
      progressShown = false;
    }
  };
  /** Puts the task list back under output written while it was cleared. */
  const restoreTasks = () => {
    if (tasks?.active) tasks.redraw();
  };

  const diagnostic = (wanted: LogLevel, text: string) => {
    if (!enabled(wanted)) return;
    clearProgress();
    stderr.write(`${redactor.redact(text)}\n`);
    restoreTasks();
  };

  return {
    level,
    json,
    color,
    redactor,
    error: (message) => diagnostic('error', `${colors.red(colors.bold('error'))} ${message}`),
    warn: (message) => diagnostic('warn', `${colors.yellow(colors.bold('warning'))} ${message}`),
    info: (message) => diagnostic('info', message),
    success: (message) => diagnostic('info', `${colors.green('✓')} ${message}`),
    debug: (message) => diagnostic('debug', colors.dim(message)),
    result(data, human) {
      clearProgress();
      if (json) {
        // Redacted as a value, never as text: masking inside the serialised JSON could break it.
        stdout.write(`${JSON.stringify(redactor.redactValue(data), null, 2)}\n`);
      } else if (human !== undefined) {
        stdout.write(`${redactor.redact(human)}\n`);
      }
    },
    print(text) {
      if (json) return;
      clearProgress();
      stdout.write(`${redactor.redact(text)}\n`);
    },
    step(event) {
      if (!enabled('info')) return;
      if (tasks) {
        if (progressShown) {
          stderr.write('\r\x1b[2K');
          progressShown = false;
        }
        tasks.handle(event);
        if (tasks.active && ticker === undefined) {
          ticker = setInterval(() => tasks.redraw(), 1_000);
          ticker.unref();
        } else if (!tasks.active && ticker !== undefined) {
          clearInterval(ticker);
          ticker = undefined;
        }
        return;
      }
      stderr.write(`${now().toISOString()} ${redactor.redact(plainStepLine(event))}\n`);
    },
    progress(message) {
      if (!enabled('info')) return;
      const text = redactor.redact(message);
      if (tasks?.active) return;
      if (interactive) {
        stderr.write(`\r\x1b[2K${colors.cyan('…')} ${text}`);
        progressShown = true;
        return;
      }
      if (text === lastProgress) return;
      lastProgress = text;
      stderr.write(`${now().toISOString()} ${text}\n`);
    },
    secret: (value) => redactor.add(value),
    redact: (text) => redactor.redact(text),
  };
}
