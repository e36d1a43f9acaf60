import type { AppContext } from '@reletan/cli-kit';
import { describeResult } from './describe-result.js';
import { automergeWithConfig } from './run-auto-merge.js';

export interface AutomergeCommandOptions {
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
export async function automergeCommand(
  context: AppContext,
  options: AutomergeCommandOptions,
): Promise<number> {
  const { config } = await context.loadConfig();
  const result = await automergeWithConfig({
    config,
    ...(options.pr === undefined ? {} : { input: options.pr }),
    ...(options.expectedSha === undefined ? {} : { expectedSha: options.expectedSha }),
    env: context.env,
    cwd: context.cwd,
    logger: context.logger,
    github: context.github(),
    clock: context.clock,
    signal: context.signal,
    dryRun: options.dryRun ?? false,
  });
  context.logger.result(result, describeResult(result));
  return 0;
}
