import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type AwsAccess, type AwsAccessOptions, createAwsAccess } from '@reletan/aws';
import type { LoadedConfig } from '@reletan/config';
import {
  type Clock,
  createFileJournalStore,
  createGitRunner,
  createLogger,
  displayPath,
  ExitCode,
  errorToJson,
  exitCodeFor,
  formatError,
  type GitRunner,
  type HintActionRenderer,
  type JournalStore,
  type Logger,
  type OutputStream,
  systemClock,
  usageError,
} from '@reletan/core';
import { type CreateGitHubAccessOptions, createGitHubAccess, type GitHubAccess } from '@reletan/github';
import { onInterrupt } from './interrupt.js';

/** The flags every command of both apps accepts. */
export interface GlobalOptions {
  /** `--config PATH` */
  config?: string;
  /** `--cwd DIR` */
  cwd?: string;
  /** `--json` */
  json?: boolean;
  /** `--verbose` */
  verbose?: boolean;
  /** `--quiet` */
  quiet?: boolean;
  /** `--no-color` sets this to false. */
  color?: boolean;
}

/** The process I/O an app runs with; tests pass buffers. */
export interface AppIo {
  /** @default process.stdout */
  stdout?: OutputStream;
  /** @default process.stderr */
  stderr?: OutputStream;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
  /** GitHub client options, for tests (e.g. short retry waits); the token and API still come from `env`. */
  github?: Partial<CreateGitHubAccessOptions>;
  /** AWS client options, for tests (e.g. credentials and a request handler). @default the SDK's chain */
  aws?: Partial<AwsAccessOptions>;
  /** @default the system clock */
  clock?: Clock;
  /** Aborted when the command is interrupted. @default aborted on SIGINT/SIGTERM by the bin */
  signal?: AbortSignal;
}

/**
 * What every command gets, the one dependency shape of both apps: the working directory, the logger,
 * the config (loaded once, on demand), and git, GitHub and AWS access made on first use, each showing
 * every command and request it makes under `--verbose`.
 */
export interface AppContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly globals: GlobalOptions;
  readonly clock: Clock;
  /** Aborted on Ctrl-C or SIGTERM: waits stop and the command exits 130. */
  readonly signal: AbortSignal;
  /** Loads the config once; `required` makes a missing config file a usage error. */
  loadConfig(options?: { required?: boolean }): Promise<LoadedConfig>;
  /** A git runner in `dir` (default: the working directory); `--verbose` shows every command. */
  git(dir?: string): GitRunner;
  /** GitHub for this run (`GITHUB_TOKEN`/`GH_TOKEN`, `GITHUB_API_URL`); `--verbose` shows every request. */
  github(): GitHubAccess;
  /** AWS clients on the SDK's own chain (`AWS_REGION`, profiles, `AWS_ENDPOINT_URL_*`); `--verbose` shows every request. */
  aws(): AwsAccess;
  /**
   * Where run journals are kept on this machine: `<dir>/.reletan/journal` (default: the config's root, else
   * the working directory), one file per run, written atomically with mode 0600.
   */
  journalStore(dir?: string): JournalStore;
  /** Releases what the context holds (AWS sockets, the interrupt handler); {@link runAction} calls it. */
  dispose(): void;
}

export function createAppContext(globals: GlobalOptions, io: AppIo = {}): AppContext {
  const env = io.env ?? process.env;
  const cwd = path.resolve(io.cwd ?? process.cwd(), globals.cwd ?? '.');
  const logger = createLogger({
    level: globals.verbose ? 'debug' : globals.quiet ? 'error' : 'info',
    json: globals.json ?? false,
    env,
    ...(globals.color === false ? { color: false } : {}),
    ...(io.stdout ? { stdout: io.stdout } : {}),
    ...(io.stderr ? { stderr: io.stderr } : {}),
  });
  let loaded: Promise<LoadedConfig> | undefined;
  let github: GitHubAccess | undefined;
  let aws: AwsAccess | undefined;
  let signal: AbortSignal | undefined;
  let stopListening: (() => void) | undefined;
  return {
    cwd,
    env,
    logger,
    globals,
    clock: io.clock ?? systemClock,
    // Made when a command first asks for it: only such commands stop gracefully on Ctrl-C.
    get signal() {
      if (!signal) {
        const controller = new AbortController();
        io.signal?.addEventListener('abort', () => controller.abort(io.signal?.reason), { once: true });
        stopListening = onInterrupt((reason) => controller.abort(reason));
        signal = controller.signal;
      }
      return signal;
    },
    async loadConfig(options = {}) {
      // Imported here: commands that never read the config never load zod.
      loaded ??= import('@reletan/config').then(({ loadConfig }) =>
        loadConfig({ cwd, ...(globals.config ? { configFile: globals.config } : {}) }),
      );
      const result = await loaded;
      if (options.required && !result.file) {
        throw usageError('CONFIG_NOT_FOUND', `no reletan config found in ${cwd} or any parent directory`, {
          hint: '{init} to create one, or {config}',
          actions: {
            init: { type: 'run', command: ['init'], words: 'run the init' },
            config: { type: 'option', name: 'config', value: 'PATH', words: 'name the config file' },
          },
        });
      }
      return result;
    },
    git: (dir = cwd) =>
      createGitRunner({ cwd: dir, env, onCommand: (args) => logger.debug(`git ${args.join(' ')}`) }),
    journalStore: (dir = cwd) =>
      createFileJournalStore({
        dir: path.join(dir, '.reletan', 'journal'),
        displayDir: displayPath(cwd, path.join(dir, '.reletan', 'journal')),
      }),
    github: () => (github ??= createGitHubAccess({ env, logger, ...io.github })),
    aws: () => (aws ??= createAwsAccess({ logger, ...io.aws })),
    dispose: () => {
      stopListening?.();
      aws?.destroy();
    },
  };
}

/**
 * Runs one command action and turns its outcome into an exit code: 0 done, 1 failed, 2 bad usage or
 * input, 130 interrupted. Errors are printed once, redacted, without a stack unless `--verbose`.
 * An action may return an exit code of its own (e.g. `env check` finding problems returns 1).
 */
export interface RunActionOptions {
  /** Spells the actions of error hints as this app's command lines and flags. @default words */
  renderAction?: HintActionRenderer;
}

export async function runAction(
  globals: GlobalOptions,
  action: (context: AppContext) => Promise<number | undefined> | number | undefined,
  io: AppIo = {},
  options: RunActionOptions = {},
): Promise<number> {
  let context: AppContext | undefined;
  try {
    if (globals.cwd !== undefined) await assertDirectory(path.resolve(io.cwd ?? process.cwd(), globals.cwd));
    context = createAppContext(globals, io);
    return (await action(context)) ?? ExitCode.ok;
  } catch (error) {
    const logger =
      context?.logger ?? createLogger({ json: globals.json ?? false, env: io.env ?? process.env, ...io });
    reportError(error, logger, globals.verbose ?? false, options.renderAction);
    return exitCodeFor(error);
  } finally {
    context?.dispose();
  }
}

/** Prints an error: the human text on stderr, and in JSON mode also `{ "error": ... }` on stdout. */
export function reportError(
  error: unknown,
  logger: Logger,
  verbose: boolean,
  renderAction?: HintActionRenderer,
): void {
  const rendering = renderAction ? { renderAction } : {};
  logger.error(formatError(error, { verbose, ...rendering }));
  if (logger.json) logger.result(errorToJson(error, rendering));
}

async function assertDirectory(directory: string): Promise<void> {
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw usageError('CWD_INVALID', `--cwd ${directory} is not a directory`, { input: { file: directory } });
  }
}
