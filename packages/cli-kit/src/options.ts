/**
 * The options several commands share, each defined once: the same flag, description style, choices and
 * validation wherever it appears. Builders take commander from the bin (which bundles it).
 */

import type { Option } from 'commander';
import type { CommanderModule } from './bin-kit.js';

/** The formats `env build` writes and `env check` checks values against (env-bundler's `EnvFormat`). */
export const ENV_FORMATS = ['dotenv', 'json', 'shell', 'eb'] as const;

/** `--format <format>` with its choices and default. */
export function formatOption(
  commander: CommanderModule,
  choices: readonly string[],
  description: string,
  defaultValue: string,
): Option {
  return new commander.Option('--format <format>', description).choices(choices).default(defaultValue);
}

/** `--release <id>`: the release a command works for; only the cache prefix (and what uses it) depends on it. */
export function releaseOption(commander: CommanderModule, description: string): Option {
  return new commander.Option('--release <id>', `${description} (default: the tag at HEAD, else the commit)`);
}

/** `--timeout <ms>`: how long each server or request gets, checked by `parseTimeout`. */
export function timeoutOption(commander: CommanderModule, what: string, defaultMs = 2_000): Option {
  return new commander.Option('--timeout <ms>', what).default(String(defaultMs));
}

/** `--dry-run`: describe every step of the plan, run none. */
export function dryRunOption(
  commander: CommanderModule,
  what = 'print what would be done, in order, and change nothing',
): Option {
  return new commander.Option('--dry-run', what);
}
