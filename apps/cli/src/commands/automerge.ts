import { automergeWithConfig, describeResult, type RunAutoMergeOptions } from '@reletan/auto-merge';
import type { AppContext } from '@reletan/core';

export interface AutomergeOptions {
  /** The `<pr>` argument: a URL, or a number. */
  pr: string;
  /** `--expected-sha`: merge only while the PR's head is this commit. */
  expectedSha?: string;
  dryRun?: boolean;
}

/** What tests swap: the GitHub client's waits and the wait between re-reads. */
export type AutomergeSeams = Pick<RunAutoMergeOptions, 'client' | 'sleep'>;

/**
 * `reletan automerge PR`: the PR given (a URL, or a number in the config's or git origin's
 * repository), the `automerge` policy of the config, one outcome line (or `--json`). Exit 0 for merged
 * and for every "not ready / not allowed" outcome.
 */
export async function automerge(
  context: AppContext,
  options: AutomergeOptions,
  seams: AutomergeSeams = {},
): Promise<number> {
  const { config } = await context.loadConfig();
  const result = await automergeWithConfig({
    config,
    input: options.pr,
    ...(options.expectedSha === undefined ? {} : { expectedSha: options.expectedSha }),
    env: context.env,
    cwd: context.cwd,
    logger: context.logger,
    dryRun: options.dryRun ?? false,
    ...seams,
  });
  context.logger.result(result, describeResult(result));
  return 0;
}
