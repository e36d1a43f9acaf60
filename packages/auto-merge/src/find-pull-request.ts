import { type CiContext, detectCiContext, type Logger, requirePullRequest } from '@reletan/core';
import {
  type PullRequestTarget,
  repositoryFromSetting,
  resolvePullRequestInput,
} from './pull-request-input.js';

export interface FindPullRequestOptions {
  /** `--pr`: a PR URL or number. Without it, the CI build's own PR. */
  input?: string;
  /** `github.repository` from the config (`owner/name`), for a bare number. */
  repository?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where to read git's `origin` when neither a CI nor the config names the repository. @default process.cwd() */
  cwd?: string;
  /** Receives the CI context's warnings (e.g. several CircleCI PRs). */
  logger?: Logger;
  /** @default detectCiContext of `@reletan/core` */
  detect?: () => Promise<CiContext>;
}

/**
 * The pull request a run is about: `input` when given (a URL, or a number in the config's repository, else
 * the CI's, else git origin's), otherwise the PR of the CI build (CircleCI `CIRCLE_PULL_REQUEST`, GitHub
 * Actions' event payload or `refs/pull/N/merge`), with the head sha that build checked as `expectedHeadSha`.
 * Several CircleCI PRs, none, or a malformed one are usage errors (exit 2): reletan never guesses which PR
 * to merge.
 */
export async function findPullRequest(options: FindPullRequestOptions = {}): Promise<PullRequestTarget> {
  const env = options.env ?? process.env;
  const detect =
    options.detect ?? (() => detectCiContext({ env, ...(options.cwd ? { cwd: options.cwd } : {}) }));
  const input = options.input?.trim();
  if (input && !/^#?\d+$/.test(input)) return resolvePullRequestInput(input);
  if (input && options.repository) {
    return resolvePullRequestInput(input, repositoryFromSetting(options.repository, gitHubHost(env)));
  }
  const ci = await detect();
  if (input) return resolvePullRequestInput(input, ci.repository);
  // requirePullRequest explains an ambiguous build itself; the warnings matter when it succeeds.
  const found = requirePullRequest(ci);
  for (const warning of ci.warnings) options.logger?.warn(warning);
  // What this build checked: GitHub Actions' event names the PR head (GITHUB_SHA is the merge ref's commit);
  // CircleCI builds the branch head itself.
  const checked = found.headSha ?? (ci.provider === 'circleci' ? ci.sha : null);
  return { ...resolvePullRequestInput(found.url), ...(checked ? { expectedHeadSha: checked } : {}) };
}

/** The GitHub host of this run: GitHub Actions says it in `GITHUB_SERVER_URL` (Enterprise too). */
function gitHubHost(env: NodeJS.ProcessEnv): string {
  try {
    return env.GITHUB_SERVER_URL ? new URL(env.GITHUB_SERVER_URL).host : 'github.com';
  } catch {
    return 'github.com';
  }
}
