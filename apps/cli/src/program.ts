import { type CommandGroup, createProgram as createBinProgram } from '@reletan/cli-kit/bin';
import type { Command } from 'commander';
import * as commander from 'commander';
import { automerge } from './groups/automerge.js';
import { cache } from './groups/cache.js';
import { config } from './groups/config.js';
import { bundle, deploy, eb, rollback, status } from './groups/deploy.js';
import { env } from './groups/env.js';
import { init } from './groups/init.js';
import { hotfix, release } from './groups/release.js';

/**
 * The `reletan` commands, in the order the root help lists them. Each group's definition is built only
 * when the command line names it; every action imports its module when it runs.
 */
export const GROUPS: readonly CommandGroup[] = [
  config,
  env,
  init,
  automerge,
  release,
  hotfix,
  cache,
  deploy,
  bundle,
  status,
  rollback,
  eb,
];

export function createProgram(argv: readonly string[]): Command {
  return createBinProgram(commander, {
    name: 'reletan',
    description:
      'Release a web app: git-flow releases, .env bundles, rollout-safe caches, auto-merged pull requests.',
    version: __RELETAN_VERSION__,
    groups: GROUPS,
    argv,
  });
}
