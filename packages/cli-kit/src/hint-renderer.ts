import type { HintAction, HintActionRenderer } from '@reletan/core';

/** What the app knows about the command that ran, to spell a hint's actions. */
export interface Invocation {
  /** The bin, e.g. `reletan`. */
  bin: string;
  /** Its top-level commands: a hint may only tell the user to run one of them. */
  commands: readonly string[];
  /** The long flags of the command that ran, by attribute name: `{ push: '--push', dryRun: '--dry-run' }`. */
  flags: Readonly<Record<string, string>>;
}

/**
 * Library option names whose flag is spelled differently (`fetchRemote` is `--fetch`); every other option
 * name is its flag's attribute name, as commander derives it (`expectedSha` is `--expected-sha`).
 */
const FLAG_ALIASES: Readonly<Record<string, string>> = { fetchRemote: 'fetch' };

/**
 * Spells hint actions as this app's command lines and flags: `run "reletan release finish 1.2.0 --push"`,
 * `pass --release ID`. Like their words ("finish release 1.2.0"), they read as imperative phrases. An action the app cannot spell (a command this bin lacks, an option the command
 * that ran does not have) keeps its words, so no hint advises a command or flag that does not exist here.
 */
export function createHintRenderer(invocation: Invocation): HintActionRenderer {
  const flagOf = (name: string, flags: Readonly<Record<string, string>>) => flags[FLAG_ALIASES[name] ?? name];
  return (action: HintAction) => {
    if (action.type === 'option') {
      const flag = flagOf(action.name, invocation.flags);
      if (!flag) return undefined;
      const spelled = action.value ? `${flag} ${action.value}` : flag;
      return action.use === 'omit' ? `leave out ${flag}` : `pass ${spelled}`;
    }
    const [command] = action.command;
    if (command === undefined || !invocation.commands.includes(command)) return undefined;
    const options = Object.entries(action.options ?? {}).map(([name, value]) => {
      const flag = `--${(FLAG_ALIASES[name] ?? name).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return value === true ? flag : `${flag} ${value}`;
    });
    return `run "${[invocation.bin, ...action.command, ...options].join(' ')}"`;
  };
}
