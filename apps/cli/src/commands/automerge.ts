/**
 * `reletan automerge <pr>` and `reletan-ci automerge [--pr]`: one command for both bins (reletan-ci
 * re-exports it from `reletan/commands/automerge`), each bin with its own arguments.
 */

import { automergeWithConfig, describeResult } from '@reletan/auto-merge';
import type { AppContext } from '@reletan/cli-kit';

export interface AutomergeOptions {
  /** A PR URL or number (`reletan automerge <pr>`, `reletan-ci automerge --pr`). Without it, the CI build's own PR. */
  pr?: string;
  /** `--expected-sha`: merge only while the PR's head is this commit. */
  expectedSha?: string;
  /** @default false */
  dryRun?: boolean;
}

/**
 * The `automerge` command of both bins: the PR, the config's `automerge` policy, one outcome line (or
 * `--json`). Exit 0 for merged and for every "not ready / not allowed" outcome; failures throw.
 */
export async function automerge(context: AppContext, options: AutomergeOptions): Promise<number> {
  const { config } = await context.loadConfig();
  const result = await automergeWithConfig({
    config,
    ...(options.pr === undefined ? {} : { input: options.pr }),
    ...(options.expectedSha === undefined ? {} : { expectedSha: options.expectedSha }),
    env: context.env,
    cwd: context.cwd,
    logger: context.logger,
    github: context.github(),
    git: context.git(),
    clock: context.clock,
    signal: context.signal,
    dryRun: options.dryRun ?? false,
  });
  context.logger.result(result, describeResult(result));
  return 0;
}
