/**
 * What `reletan` and `reletan-ci` share around commander: the global flags, lazy actions, and the
 * mapping of parse errors and signals to exit codes. This module is on the start-up path of both bins,
 * so it imports nothing heavy: the config loader (and zod) load only when an action runs.
 */
import type { Command, Option } from 'commander';
import type { AppContext, GlobalOptions } from './app.js';
import { createHintRenderer, type Invocation } from './hint-renderer.js';
import { installInterruptHandling } from './interrupt.js';

/** The flags every command accepts, as commander option specs. */
export const GLOBAL_OPTIONS: readonly { flags: string; description: string }[] = [
  {
    flags: '--config <path>',
    description: 'config file to use (default: reletan.config.* found from the working directory upward)',
  },
  { flags: '--cwd <dir>', description: 'run as if started in <dir>' },
  { flags: '--json', description: 'print the result as one JSON document on stdout' },
  { flags: '-v, --verbose', description: 'print debug output, and stack traces on errors' },
  { flags: '-q, --quiet', description: 'print only errors and results' },
  { flags: '--no-color', description: 'never colour output (colour is also off under NO_COLOR and CI)' },
];

/**
 * A bin's root command with what both bins share: `-V, --version`, the global flags, parse errors
 * thrown (so {@link runBin} exits 2) with a pointer to `--help`, and suggestions for mistyped commands.
 * commander is passed in: the bins bundle it, and this module must not load it for `--version`.
 */
export function createRootCommand(
  commander: { Command: typeof Command; Option: typeof Option },
  options: { name: string; description: string; version: string },
): Command {
  const program = new commander.Command(options.name)
    .description(options.description)
    .version(options.version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError();
  for (const { flags, description } of GLOBAL_OPTIONS) {
    const option = new commander.Option(flags, description);
    if (flags.includes('--verbose')) option.conflicts('quiet');
    program.addOption(option);
  }
  return program;
}

/** The parts of a commander `Command` this module uses (so this package does not depend on commander). */
interface CommandLike {
  optsWithGlobals(): Record<string, unknown>;
  name(): string;
  parent: CommandLike | null;
  readonly commands: readonly CommandLike[];
  readonly options: readonly { long?: string | undefined; attributeName(): string }[];
}

/** The bin, its commands and the flags of the command that ran: what a hint may name. */
function invocationOf(command: CommandLike): Invocation {
  const flags: Record<string, string> = {};
  let root = command;
  for (let at: CommandLike | null = command; at; at = at.parent) {
    for (const option of at.options) if (option.long) flags[option.attributeName()] ??= option.long;
    root = at;
  }
  return { bin: root.name(), commands: root.commands.map((child) => child.name()), flags };
}

/** What a command handler gets: the app context, the positional arguments and the command's own options. */
export type CommandHandler = (
  context: AppContext,
  args: readonly unknown[],
  options: Record<string, unknown>,
) => Promise<number | undefined> | number | undefined;

/**
 * Turns a handler into a commander action that runs it through {@link runAction}, setting the exit code.
 * Keep the handler a one-line `import()` of the command module, so no command's code loads at start-up.
 */
export function lazyAction(handler: CommandHandler): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params[params.length - 1] as CommandLike;
    const options = (params[params.length - 2] ?? {}) as Record<string, unknown>;
    const args = params.slice(0, -2);
    // Through the package entry, not './app.js': the bins bundle this module into a CommonJS file, and
    // the runtime (config loader, zod) must stay the one ESM instance their command modules import.
    const entry = '@reletan/cli-kit';
    const { runAction }: typeof import('./app.js') = await import(entry);
    const globals = command.optsWithGlobals() as GlobalOptions;
    process.exitCode = await runAction(
      globals,
      (context) => handler(context, args, options),
      {},
      {
        renderAction: createHintRenderer(invocationOf(command)),
      },
    );
  };
}

/** The parts of commander's error the bins look at. */
interface CommanderErrorLike {
  code: string;
  exitCode: number;
}

function isCommanderError(error: unknown): error is CommanderErrorLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<CommanderErrorLike>).code === 'string' &&
    (error as Partial<CommanderErrorLike>).code?.startsWith('commander.') === true
  );
}

/**
 * The exit code for commander's own outcomes: help and version are successes; a parse error
 * (unknown option, missing argument, a group run without a subcommand) is bad usage.
 */
export function exitCodeForCommander(error: CommanderErrorLike): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
  if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
  return 2;
}

export interface RunBinOptions {
  version: string;
  /** @default process.argv */
  argv?: string[];
  /** Builds the commander program (configured with `exitOverride()`). */
  loadProgram: () => Promise<{ parseAsync(argv: string[]): Promise<unknown> }>;
}

/** The whole life of a bin: `--version` without loading commander, parsing, exit codes, Ctrl-C. */
export async function runBin(options: RunBinOptions): Promise<void> {
  const argv = options.argv ?? process.argv;
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${options.version}\n`);
    return;
  }
  installInterruptHandling();
  try {
    const program = await options.loadProgram();
    await program.parseAsync(argv);
  } catch (error) {
    if (!isCommanderError(error)) throw error;
    // commander has already printed its message.
    process.exitCode = exitCodeForCommander(error);
  }
}
