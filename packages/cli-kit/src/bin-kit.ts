/**
 * What `reletan` and `reletan-ci` share around commander: the global flags, command groups built only
 * when named, lazy actions, and the mapping of parse errors and signals to exit codes. This module is on
 * the start-up path of both bins, so it imports nothing heavy: the config loader (and zod) load only when
 * an action runs, and commander only when a command line must be parsed.
 */
import { readFileSync } from 'node:fs';
import module from 'node:module';
import type { Command, Help, Option } from 'commander';
import type { AppContext, AppIo, GlobalOptions } from './app.js';
import { createHintRenderer, type Invocation } from './hint-renderer.js';
import { installInterruptHandling } from './interrupt.js';

export { dryRunOption, ENV_FORMATS, formatOption, releaseOption, timeoutOption } from './options.js';

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

/** The commander module, passed in by the bins (which bundle it). */
export interface CommanderModule {
  Command: typeof Command;
  Option: typeof Option;
  Help: typeof Help;
}

/**
 * A top-level command of a bin, as the bin's static table lists it. Its commander definition is built only
 * when the command line names it, so start-up does not grow with the number of commands.
 */
export interface CommandGroup {
  name: string;
  /** The line the root help shows. */
  description: string;
  /** How the root help lists it (its usage, e.g. `automerge [options] <pr>`). @default the name */
  term?: string;
  /** Adds the command's subcommands, arguments, options and actions to `command`. */
  define(command: Command, commander: CommanderModule): void;
}

export interface CreateProgramOptions {
  name: string;
  description: string;
  version: string;
  groups: readonly CommandGroup[];
  /** The command line (`process.argv`): the group it names is the only one built. */
  argv: readonly string[];
}

/**
 * A bin's program: the root with its global flags, every group listed for the help and suggestions, and
 * only the named group (`reletan release …`, `reletan help release`) defined in full.
 */
export function createProgram(commander: CommanderModule, options: CreateProgramOptions): Command {
  const program = createRootCommand(commander, options);
  const named = namedCommand(options.argv.slice(2));
  const terms = new Map(options.groups.map((group) => [group.name, group.term ?? group.name]));
  for (const group of options.groups) {
    const command = program.command(group.name).description(group.description);
    if (group.name === named) group.define(command, commander);
  }
  const help = new commander.Help();
  program.configureHelp({
    subcommandTerm: (command) => terms.get(command.name()) ?? help.subcommandTerm(command),
  });
  return program;
}

/** Global flags that take a value: their value is not a command name. */
const VALUE_FLAGS = new Set(
  GLOBAL_OPTIONS.filter((option) => option.flags.includes('<')).map((option) => option.flags.split(' ')[0]),
);

/** The command a command line names: the first word that is not a global flag or its value. */
export function namedCommand(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--') return args[index + 1];
    if (arg.startsWith('-')) {
      if (VALUE_FLAGS.has(arg)) index++;
      continue;
    }
    // `help release` shows the help of release, which must be built.
    return arg === 'help' ? (args[index + 1] ?? arg) : arg;
  }
  return undefined;
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
    process.exitCode = await runAction(globals, (context) => handler(context, args, options), inProcessIo(), {
      renderAction: createHintRenderer(invocationOf(command)),
    });
  };
}

/**
 * The I/O a test gives a program it runs in its own process (`runReletanInProcess` of the apps' testing
 * entries): output buffers, an environment, AWS and GitHub client options, a clock. Kept on a global so
 * the bundled bin's copy of this module and the ESM copy see the same one; empty in a real run.
 */
export const IN_PROCESS_IO = Symbol.for('reletan.inProcessIo');

function inProcessIo(): AppIo {
  return ((globalThis as { [IN_PROCESS_IO]?: AppIo })[IN_PROCESS_IO] ?? {}) as AppIo;
}

/** The parts of commander's error the bins look at. */
interface CommanderErrorLike {
  code: string;
  exitCode: number;
  message: string;
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
export function exitCodeForCommander(error: Pick<CommanderErrorLike, 'code' | 'exitCode'>): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
  if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
  return 2;
}

export interface RunBinOptions {
  version: string;
  /** @default process.argv */
  argv?: string[];
  /** Builds the commander program (configured with `exitOverride()`) for the command line. */
  loadProgram: (argv: readonly string[]) => Promise<{ parseAsync(argv: string[]): Promise<unknown> }>;
  /**
   * The root help as commander renders it, written at build time (`dist/help.txt`): `--help` prints it
   * without loading commander. Unset, or when `RELETAN_LIVE_HELP` is set, commander renders it.
   */
  rootHelpFile?: string;
}

/** The whole life of a bin: `--version` and `--help` without commander, parsing, exit codes, Ctrl-C. */
export async function runBin(options: RunBinOptions): Promise<void> {
  const argv = options.argv ?? process.argv;
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${options.version}\n`);
    return;
  }
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h') && options.rootHelpFile) {
    const help = process.env.RELETAN_LIVE_HELP ? undefined : readHelp(options.rootHelpFile);
    if (help !== undefined) {
      process.stdout.write(help);
      return;
    }
  }
  // Node 22.1+ caches compiled code between runs (a no-op on Node 20, which lacks it).
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // The AWS SDK warns on Node < 22 about its releases from 2027 on; reletan pins SDK releases that support
  // Node 20, so in reletan's own process the notice is noise in every CI log. The SDK reads only this
  // variable: it is set once here, for both bins, never per command (a user's own setting wins).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  installInterruptHandling();
  try {
    const program = await options.loadProgram(argv);
    await program.parseAsync(argv);
  } catch (error) {
    if (!isCommanderError(error)) throw error;
    // commander has already printed its message (on stderr); under --json the error is also the one
    // JSON document on stdout, as every other error is.
    process.exitCode = exitCodeForCommander(error);
    if (process.exitCode !== 0 && args.includes('--json')) {
      process.stdout.write(`${JSON.stringify(commanderErrorJson(error), null, 2)}\n`);
    }
  }
}

/** A commander error as the documented `{ "error": … }` document: `commander.unknownOption` is `UNKNOWN_OPTION`. */
export function commanderErrorJson(error: CommanderErrorLike) {
  const name = error.code.replace(/^commander\./, '');
  return {
    error: {
      code: name === 'help' ? 'COMMAND_REQUIRED' : name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(),
      kind: 'usage' as const,
      message: name === 'help' ? 'a command is needed' : error.message.replace(/^error: /, ''),
      hint: 'run with --help for usage',
    },
  };
}

function readHelp(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
