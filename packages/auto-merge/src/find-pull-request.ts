import {
  type CiContext,
  type CiPullRequest,
  detectCiContext,
  type Logger,
  parsePullRequestUrl,
  requirePullRequest,
  usageError,
} from '@reletan/core';
import {
  type PullRequestTarget,
  repositoryFromSetting,
  resolvePullRequestInput,
} from './pull-request-input.js';

export interface FindPullRequestOptions {
  /** `--pr`: a PR URL or number. Without it, the CI build's own PR. */
  input?: string;
  /**
   * `--expected-sha`: the full sha the PR's head must still be for it to be merged (e.g. the commit a CI run
   * tested). Must agree with the commit the CI build checked, when the PR is the build's own.
   * @default the commit the CI build checked, when the PR is the build's own; else none
   */
  expectedSha?: string;
  /** `github.repository` from the config (`owner/name`), for a bare number. */
  repository?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where to read git's `origin` when neither a CI nor the config names the repository. @default process.cwd() */
  cwd?: string;
  /** Receives the CI context's warnings (e.g. several CircleCI PRs). */
  logger?: Logger;
  /** The CI context, e.g. one the caller already detected. @default detectCiContext of `@reletan/core` */
  detect?: () => Promise<CiContext>;
}

/**
 * The pull request a run is about, with the head sha it must still have to be merged:
 * - `input` when given (a URL, or a number in the config's repository, else the CI's, else git origin's);
 *   when it is the CI build's own PR (or one of the build's PRs), the commit the build checked still counts;
 * - otherwise the PR of the CI build (CircleCI `CIRCLE_PULL_REQUEST`, GitHub Actions' `pull_request` or
 *   `workflow_run` event, or `refs/pull/N/merge`), with the commit the build checked as `expectedHeadSha`;
 * - `expectedSha` pins the head explicitly.
 * Several PRs for the build, none, a malformed one, or an `expectedSha` that is not a full sha or disagrees
 * with what the build checked are usage errors (exit 2): reletan never guesses which PR or commit to merge.
 */
export async function findPullRequest(options: FindPullRequestOptions = {}): Promise<PullRequestTarget> {
  const env = options.env ?? process.env;
  const expected = options.expectedSha === undefined ? undefined : fullSha(options.expectedSha);
  const detect =
    options.detect ?? (() => detectCiContext({ env, ...(options.cwd ? { cwd: options.cwd } : {}) }));
  const input = options.input?.trim();
  const numeric = input !== undefined && /^#?\d+$/.test(input);
  // A URL names its PR alone: bad input is reported before anything else is read.
  const given = input && !numeric ? resolvePullRequestInput(input) : undefined;
  const ci = await detect();

  let target: PullRequestTarget;
  let checked: string | undefined;
  if (input) {
    if (given) target = given;
    else if (options.repository) {
      // A config names no host: the repository is on the host of the CI's (or origin's) repository.
      const host = ci.repository?.host ?? 'github.com';
      target = resolvePullRequestInput(input, repositoryFromSetting(options.repository, host));
    } else {
      target = resolvePullRequestInput(input, ci.repository);
    }
    checked = checkedByBuild(ci, target, expected);
  } else {
    // requirePullRequest explains an ambiguous build itself; the warnings matter when it succeeds.
    const found = requirePullRequest(ci);
    for (const warning of ci.warnings) options.logger?.warn(warning);
    target = resolvePullRequestInput(found.url);
    checked = checkedHead(ci, found);
  }

  if (expected !== undefined && checked !== undefined && expected !== checked.toLowerCase()) {
    throw usageError(
      'EXPECTED_SHA_CONFLICT',
      `--expected-sha ${expected} is not ${checked}, the commit this build checked for ${target.url}`,
      {
        input: { key: '--expected-sha', url: target.url },
        hint: "give the commit the build tested (on workflow_run: github.event.workflow_run.head_sha), or {noExpected} to use the build's",
        actions: {
          noExpected: { type: 'option', name: 'expectedSha', use: 'omit', words: 'give none' },
        },
      },
    );
  }
  const pinned = expected ?? checked;
  return pinned === undefined ? target : { ...target, expectedHeadSha: pinned };
}

/**
 * What the build checked of one of its PRs: GitHub Actions' event names the PR head (GITHUB_SHA is the merge
 * ref's commit, or the default branch's on workflow_run); CircleCI builds the branch head itself.
 */
function checkedHead(ci: CiContext, pr: CiPullRequest | null): string | undefined {
  if (pr?.headSha) return pr.headSha;
  return ci.provider === 'circleci' && ci.sha ? ci.sha : undefined;
}

/** The commit the build checked when `target` is one of the build's PRs; undefined when it is not. */
function checkedByBuild(ci: CiContext, target: PullRequestTarget, expected: string | undefined) {
  if (ci.pullRequest && samePullRequest(ci.pullRequest.url, target)) return checkedHead(ci, ci.pullRequest);
  if (!ci.pullRequests.some((url) => samePullRequest(url, target))) return undefined;
  // One of several PRs of the build: CircleCI's sha is their shared branch head; GitHub Actions carries the
  // checked commit only for a single PR, and merging without it would merge whatever the head is now.
  const checked = checkedHead(ci, null);
  if (checked === undefined && expected === undefined) {
    throw usageError(
      'CI_SHA_UNKNOWN',
      `${target.url} is one of the ${ci.pullRequests.length} pull requests of this build, and the build does not say which commit it checked`,
      {
        input: { url: target.url },
        hint: 'give the commit the build tested: {expected} (on workflow_run: github.event.workflow_run.head_sha)',
        actions: {
          expected: { type: 'option', name: 'expectedSha', value: 'SHA', words: 'the expected head sha' },
        },
      },
    );
  }
  return checked;
}

function samePullRequest(url: string, target: PullRequestTarget): boolean {
  let pr: ReturnType<typeof parsePullRequestUrl>;
  try {
    pr = parsePullRequestUrl(url);
  } catch {
    return false;
  }
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return (
    pr.number === target.number &&
    same(pr.host, target.host) &&
    same(pr.owner, target.owner) &&
    same(pr.name, target.repo)
  );
}

/** `--expected-sha` must name one commit exactly: a full SHA-1 (or SHA-256) hex sha, as GitHub reports heads. */
function fullSha(text: string): string {
  const sha = text.trim().toLowerCase();
  if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) return sha;
  throw usageError('EXPECTED_SHA_INVALID', `--expected-sha is not a full commit sha: ${text}`, {
    input: { key: '--expected-sha' },
    hint: 'pass the 40-character sha, e.g. github.event.workflow_run.head_sha in GitHub Actions, or CIRCLE_SHA1',
  });
}
