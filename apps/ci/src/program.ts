import { type CommandGroup, createProgram as createBinProgram } from '@reletan/cli-kit/bin';
import type { Command } from 'commander';
import * as commander from 'commander';
import { automerge } from './groups/automerge.js';
import { context } from './groups/context.js';

/**
 * The `reletan-ci` commands: reletan's operations with their inputs (repository, branch, PR) read from
 * the CI environment. Each group is built only when named; actions import their module when they run.
 */
export const GROUPS: readonly CommandGroup[] = [context, automerge];

export function createProgram(argv: readonly string[]): Command {
  return createBinProgram(commander, {
    name: 'reletan-ci',
    description:
      "reletan's operations for CI jobs (CircleCI, GitHub Actions), with inputs read from the CI environment.",
    version: __RELETAN_VERSION__,
    groups: GROUPS,
    argv,
  });
}
