import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type LoadedConfig, loadConfig } from '@reletan/config';
import {
  createLogger,
  ExitCode,
  errorToJson,
  exitCodeFor,
  formatError,
  type HintActionRenderer,
  type Logger,
  type OutputStream,
  usageError,
} from '@reletan/core';

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
}

/** What a command action gets: the working directory, the logger and the (lazily loaded) config. */
export interface AppContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly globals: GlobalOptions;
  /** Loads the config once; `required` makes a missing config file a usage error. */
  loadConfig(options?: { required?: boolean }): Promise<LoadedConfig>;
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
  return {
    cwd,
    env,
    logger,
    globals,
    async loadConfig(options = {}) {
      loaded ??= loadConfig({ cwd, ...(globals.config ? { configFile: globals.config } : {}) });
      const result = await loaded;
      if (options.required && !result.file) {
        throw usageError('CONFIG_NOT_FOUND', `no reletan config found in ${cwd} or any parent directory`, {
          hint: 'run "reletan init" to create one, or pass --config PATH',
        });
      }
      return result;
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
