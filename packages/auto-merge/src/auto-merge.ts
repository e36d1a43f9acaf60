import { type Clock, type Logger, ReletanError, usageError, waitUntil } from '@reletan/core';
import { asGitHubFailure, gitHubMessage, isRequestError, type Octokit, statusOf } from '@reletan/github';
import { decideMerge, isFromFork } from './decide-merge.js';
import { explainBlocked, explainUnstable } from './explain-block.js';
import { readCheckFacts } from './read-check-facts.js';
import type {
  AutoMergeResult,
  MergeDecision,
  MergePolicy,
  PullRequestSnapshot,
  ReviewSnapshot,
} from './types.js';

/** GitHub's 405 when the repository, or a ruleset, does not allow the merge method. */
const METHOD_NOT_ALLOWED = /(?:merge commits|squash merges|rebase merges) are not allowed/i;

/** Waits between the reads of a PR whose mergeability GitHub is still computing: 5 reads within 30 s. */
export const UNKNOWN_MERGEABILITY_DELAYS: readonly number[] = [2_000, 4_000, 8_000, 16_000];

export interface AutoMergeTarget {
  owner: string;
  repo: string;
  number: number;
  /** The PR's web URL, for messages before GitHub has answered. @default https://github.com/OWNER/REPO/pull/N */
  url?: string;
  /** The head sha a CI build checked: a PR whose head moved since is not merged by this run. @default none */
  expectedHeadSha?: string;
}

export interface AutoMergeOptions {
  /** An Octokit with the retry and throttling plugins, e.g. from `createGitHubClient` of `@reletan/core`. */
  github: Octokit;
  pullRequest: AutoMergeTarget;
  /** The `automerge` config section with defaults applied (see `resolveMergePolicy`). */
  policy: MergePolicy;
  /** Decide and report, but write nothing (no merge, no branch update, no branch deletion). @default false */
  dryRun?: boolean;
  /**
   * The waits before re-reading a PR whose `mergeable` is null / `mergeable_state` is `unknown`; one more
   * read than there are waits. @default UNKNOWN_MERGEABILITY_DELAYS (2 s, 4 s, 8 s, 16 s)
   */
  unknownRetryDelays?: readonly number[];
  /** The waits' time. @default the system clock */
  clock?: Clock;
  /** Stops a wait for GitHub (Ctrl-C): throws `INTERRUPTED`. */
  signal?: AbortSignal;
  /** Progress of the re-reads, debug lines, and warnings (e.g. a branch that could not be deleted). */
  logger?: Logger;
  /**
   * Branches `deleteBranch` never deletes, besides the repository's default branch: long-lived ones by name
   * (`git.mainBranch`, `git.developBranch`) and by prefix (`git.releasePrefix`, `git.hotfixPrefix`).
   * @default { names: [], prefixes: [] }
   */
  keepBranches?: KeepBranches;
}

/** Branches that are never deleted after a merge. */
export interface KeepBranches {
  /** @default [] */
  names?: readonly string[];
  /** @default [] */
  prefixes?: readonly string[];
}

const short = (sha: string) => sha.slice(0, 7);

/**
 * Reads a pull request and its reviews (every page), decides with {@link decideMerge}, and acts:
 * merges with `sha` pinned to the head that was decided on (a push after the check makes GitHub answer 409,
 * and nothing is merged), updates a branch that is behind with `expected_head_sha`, or reports why it waits
 * or skips. A 405 or 409 from the merge is an outcome, not an error. Throws a ReletanError (exit 1) when
 * GitHub cannot be read or refuses for reasons of access.
 */
export async function autoMerge(options: AutoMergeOptions): Promise<AutoMergeResult> {
  const { github, policy, logger } = options;
  const { owner, repo, number } = options.pullRequest;
  const url = options.pullRequest.url ?? `https://github.com/${owner}/${repo}/pull/${number}`;
  const delays = options.unknownRetryDelays ?? UNKNOWN_MERGEABILITY_DELAYS;
  const dryRun = options.dryRun ?? false;

  // The reviews are read once: while GitHub computes mergeability only the PR is read again (a push
  // meanwhile changes its head, which the decision and the merge's sha pin both see).
  const [firstRead, reviews] = await readPullRequest(github, options.pullRequest, url);
  let pr = firstRead;
  const decide = (current: PullRequestSnapshot) =>
    decideMerge(
      current,
      reviews,
      policy,
      options.pullRequest.expectedHeadSha ? { expectedHeadSha: options.pullRequest.expectedHeadSha } : {},
    );
  const debug = (current: PullRequestSnapshot, decided: MergeDecision) =>
    logger?.debug(
      `read ${current.html_url}: ${current.state}, head ${current.head.sha}, mergeable ${current.mergeable}, mergeable_state ${current.mergeable_state}, ${reviews.length} reviews -> ${decided.action}: ${decided.reason}`,
    );

  let decision = decide(pr);
  debug(pr, decision);
  // While GitHub computes mergeability (null / "unknown"), the PR is read again after each delay.
  await waitUntil({
    backoff: { delays },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    check: async (attempt) => {
      if (attempt > 1) {
        pr = await readPull(github, options.pullRequest, url);
        decision = decide(pr);
        debug(pr, decision);
      }
      const computing = decision.action === 'wait' && decision.code === 'unknown';
      return computing ? { done: false } : { done: true, value: decision };
    },
    onWait: ({ attempt, delayMs }) =>
      logger?.progress(
        `GitHub is still computing whether ${pr.html_url} can be merged; reading it again in ${seconds(delayMs)} (read ${attempt + 1} of ${delays.length + 1})`,
      ),
  });

  const outcome = (action: AutoMergeResult['action'], reason: string, merged = false): AutoMergeResult => ({
    pr: pr.html_url,
    action,
    merged,
    reason,
    sha: decision.sha,
    ...(dryRun ? { dryRun: true as const } : {}),
  });

  switch (decision.action) {
    case 'skip':
      return outcome('skipped', decision.reason);
    case 'wait':
      return outcome('waiting', await explainWait(decision, pr));
    case 'update-branch':
      return updateBranch(decision.sha, decision.reason);
    case 'merge':
      return merge(decision.sha, decision.method, decision.reason);
  }

  async function explainWait(
    waiting: Extract<MergeDecision, { action: 'wait' }>,
    current: PullRequestSnapshot,
  ): Promise<string> {
    if (waiting.code === 'unknown') {
      const total = delays.reduce((sum, delay) => sum + delay, 0);
      return `${waiting.reason} after ${delays.length + 1} reads over ${seconds(total)}; not ready, run again later`;
    }
    if (waiting.code !== 'blocked' && waiting.code !== 'unstable') return waiting.reason;
    const facts = await readCheckFacts(
      github,
      { owner, repo, baseRef: current.base.ref, sha: current.head.sha },
      logger,
    );
    return waiting.code === 'unstable'
      ? explainUnstable(facts)
      : explainBlocked(facts, { approvals: waiting.approvedBy?.length ?? 0, method: policy.method });
  }

  async function updateBranch(sha: string, reason: string): Promise<AutoMergeResult> {
    const what = `merge ${pr.base.ref} into ${pr.head.ref}`;
    if (dryRun) return outcome('updated-branch', `${reason}; would ${what} (expected head ${short(sha)})`);
    try {
      await github.rest.pulls.updateBranch({ owner, repo, pull_number: number, expected_head_sha: sha });
    } catch (error) {
      // 422: the head moved since it was read, or GitHub cannot merge the base in (conflicts).
      if (statusOf(error) === 422) {
        return outcome(
          'waiting',
          `GitHub did not update the branch (422: ${gitHubMessage(error)}); nothing changed`,
        );
      }
      throw asGitHubFailure(error, `updating the branch of ${url}`, url);
    }
    return outcome(
      'updated-branch',
      `${reason}; GitHub will ${what} (expected head ${short(sha)}); checks run again on the new head and a later run merges it`,
    );
  }

  async function merge(sha: string, method: MergePolicy['method'], reason: string): Promise<AutoMergeResult> {
    const deletes = policy.deleteBranch && !isFromFork(pr);
    if (dryRun) {
      const kept = keptBecause();
      const branch = !deletes
        ? ''
        : kept
          ? `; would keep branch ${pr.head.ref}: ${kept}`
          : `; would delete branch ${pr.head.ref}`;
      return outcome('merged', `would merge head ${short(sha)} with ${method}; ${reason}${branch}`);
    }
    let mergeSha: string;
    let note = '';
    // Whether an attempt of this merge failed with a 5xx or on the network, where it may have gone through
    // on GitHub's side before the retry plugin tried again.
    let attemptFailed = false;
    const clientFetch = github.request.endpoint.DEFAULTS.request?.fetch ?? globalThis.fetch;
    const watchedFetch: typeof fetch = async (input, init) => {
      try {
        const response: Response = await clientFetch(input, init);
        if (response.status >= 500) attemptFailed = true;
        return response;
      } catch (error) {
        attemptFailed = true;
        throw error;
      }
    };
    try {
      const { data } = await github.rest.pulls.merge({
        owner,
        repo,
        pull_number: number,
        sha,
        merge_method: method,
        request: { fetch: watchedFetch },
      });
      if (!data.merged) return outcome('waiting', `GitHub did not merge it: ${data.message}`);
      mergeSha = data.sha;
    } catch (error) {
      const status = statusOf(error);
      if (status === 409) {
        return outcome(
          'waiting',
          `the head moved after ${short(sha)} was checked (409: ${gitHubMessage(error)}); nothing merged, the new head needs its own run`,
        );
      }
      if (status !== 405) throw asGitHubFailure(error, `merging ${url}`, url);
      const refusal = gitHubMessage(error);
      // The repository (or a ruleset) does not allow this method: every later run would be refused too.
      if (METHOD_NOT_ALLOWED.test(refusal)) {
        throw usageError('AUTOMERGE_METHOD_NOT_ALLOWED', `GitHub refused to ${method} ${url}: ${refusal}`, {
          input: { path: 'automerge.method', url },
          hint: `set automerge.method to a method the repository allows (merge, squash or rebase: its settings, and the allowed merge methods of any ruleset on ${pr.base.ref})`,
        });
      }
      // A merge retried after a 5xx whose first attempt went through is answered 405: look before reporting.
      let now: PullRequestSnapshot;
      try {
        now = (await github.rest.pulls.get({ owner, repo, pull_number: number })).data;
      } catch (readError) {
        if (!isRequestError(readError)) throw readError;
        throw new ReletanError({
          code: 'GITHUB_API_FAILED',
          kind: 'failure',
          message: `the merge state of ${url} is unknown: GitHub refused the merge (405: ${refusal}), then reading the PR again failed (${gitHubMessage(readError)})`,
          input: { url },
          cause: readError,
          hint: 'look at the PR before rerunning: an attempt of this merge may have gone through',
        });
      }
      if (!now.merged)
        return outcome('waiting', `GitHub refused the merge (405: ${refusal}); nothing merged`);
      const by = now.merged_by ? ` by ${now.merged_by.login}` : '';
      if (!attemptFailed || now.head.sha !== sha || !now.merge_commit_sha) {
        // Merged, but not by an attempt of this run: someone (or something) else was first.
        const as = now.merge_commit_sha ? ` as ${short(now.merge_commit_sha)}` : '';
        return outcome('skipped', `already merged${by}${as}, not by this run (405: ${refusal})`);
      }
      mergeSha = now.merge_commit_sha;
      note = ` (GitHub answered 405, but the PR is merged${by})`;
    }
    const merged = `${reason}; merged head ${short(sha)} with ${method} as ${short(mergeSha)}${note}`;
    if (!deletes) return outcome('merged', merged, true);
    return outcome('merged', `${merged}; ${await deleteHeadBranch()}`, true);
  }

  /** Why the head branch must outlive the merge, if it must. */
  function keptBecause(): string | undefined {
    const branch = pr.head.ref;
    const defaultBranch = pr.head.repo?.default_branch ?? pr.base.repo.default_branch;
    if (branch === defaultBranch) return "it is the repository's default branch";
    if (options.keepBranches?.names?.includes(branch))
      return 'it is a long-lived branch (git.mainBranch, git.developBranch)';
    const prefix = options.keepBranches?.prefixes?.find((candidate) => branch.startsWith(candidate));
    if (prefix !== undefined)
      return `branches under ${prefix} are long-lived (git.releasePrefix, git.hotfixPrefix)`;
    return undefined;
  }

  /** Never fails the run: the merge already happened. */
  async function deleteHeadBranch(): Promise<string> {
    const branch = pr.head.ref;
    const kept = keptBecause();
    if (kept) return `kept branch ${branch}: ${kept}`;
    try {
      const { data: dependents } = await github.rest.pulls.list({
        owner,
        repo,
        state: 'open',
        base: branch,
        per_page: 1,
      });
      // Deleting a branch closes the open PRs that target it.
      if (dependents.length > 0) return `kept branch ${branch}: open pull requests target it`;
      await github.rest.git.deleteRef({ owner, repo, ref: `heads/${branch}` });
      return `deleted branch ${branch}`;
    } catch (error) {
      // The repository's "automatically delete head branches" setting may have been first; any other 422
      // (e.g. a protected branch) is a refusal worth a warning.
      if (statusOf(error) === 422 && /reference does not exist/i.test(gitHubMessage(error))) {
        return `branch ${branch} was already deleted`;
      }
      logger?.warn(`merged, but could not delete branch ${branch}: ${gitHubMessage(error)}`);
      return `could not delete branch ${branch}`;
    }
  }
}

/** The PR and every page of its reviews, read in parallel; both settle before a failure is reported. */
async function readPullRequest(
  github: Octokit,
  target: AutoMergeTarget,
  url: string,
): Promise<[PullRequestSnapshot, ReviewSnapshot[]]> {
  const params = { owner: target.owner, repo: target.repo, pull_number: target.number };
  const [pr, reviews] = await Promise.allSettled([
    readPull(github, target, url),
    github.paginate(github.rest.pulls.listReviews, { ...params, per_page: 100 }),
  ]);
  if (pr.status === 'rejected') throw pr.reason;
  if (reviews.status === 'rejected')
    throw asGitHubFailure(reviews.reason, `reading the reviews of ${url}`, url);
  return [pr.value, reviews.value];
}

async function readPull(github: Octokit, target: AutoMergeTarget, url: string): Promise<PullRequestSnapshot> {
  try {
    const { data } = await github.rest.pulls.get({
      owner: target.owner,
      repo: target.repo,
      pull_number: target.number,
    });
    return data;
  } catch (error) {
    throw asGitHubFailure(error, `reading ${url}`, url);
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}
