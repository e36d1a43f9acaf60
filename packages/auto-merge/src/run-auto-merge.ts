import { createGitHubClient, type GitHubClientOptions, type Logger, resolveGitHubToken } from '@reletan/core';
import { autoMerge } from './auto-merge.js';
import { gitHubApiUrlFor, type PullRequestTarget } from './pull-request-input.js';
import { actionsTokenWarning } from './token-warning.js';
import type { AutoMergeResult, MergePolicy } from './types.js';

export interface RunAutoMergeOptions {
  pullRequest: PullRequestTarget;
  policy: MergePolicy;
  /** Where the token (`GITHUB_TOKEN`, else `GH_TOKEN`) and `GITHUB_API_URL` come from. @default process.env */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** @default false */
  dryRun?: boolean;
  /** Options for the GitHub client (retry and throttling), e.g. shorter waits in tests. @default {} */
  client?: Partial<GitHubClientOptions>;
  /** The wait between re-reads of an unknown mergeability. @default a real timer */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * {@link autoMerge} with a GitHub client made from the environment: the token (a missing one is a usage
 * error, exit 2) registered as a secret, the API of the PR's host (`GITHUB_API_URL` first), and a warning
 * when a GitHub Actions job writes with its own `GITHUB_TOKEN`.
 */
export async function runAutoMerge(options: RunAutoMergeOptions): Promise<AutoMergeResult> {
  const env = options.env ?? process.env;
  const { pullRequest, logger } = options;
  const github = await createGitHubClient({
    env,
    baseUrl: gitHubApiUrlFor(pullRequest.host, env),
    ...(logger ? { logger } : {}),
    ...options.client,
  });
  const result = await autoMerge({
    github,
    pullRequest,
    policy: options.policy,
    dryRun: options.dryRun ?? false,
    ...(logger ? { logger } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const token = options.client?.token ?? resolveGitHubToken(env)?.token;
  const wrote = result.action === 'merged' || result.action === 'updated-branch';
  const warning = token && wrote ? actionsTokenWarning(env, token) : undefined;
  if (warning) logger?.warn(warning);
  return result;
}
