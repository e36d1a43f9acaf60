import type { AutomergeConfig } from '@reletan/config';

/** How a pull request is merged, as GitHub's merge endpoint names it. */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

/**
 * The merge policy: the `automerge` section of the config, with its defaults applied
 * (`method`, `requiredApprovals`, `skipLabel`, `requireLabel`, `allowUnstable`, `updateBranch`,
 * `deleteBranch`, `allowForks`, `baseBranches`).
 */
export type MergePolicy = AutomergeConfig;

/**
 * The fields of GitHub's pull request object (GET /repos/{owner}/{repo}/pulls/{pull_number}) the decision
 * reads. Octokit's response `data` fits it as it is.
 */
export interface PullRequestSnapshot {
  number: number;
  html_url: string;
  /** `open` or `closed`. */
  state: string;
  merged?: boolean | null;
  /** Set once merged. */
  merge_commit_sha?: string | null;
  merged_by?: { login: string } | null;
  draft?: boolean | null;
  /** Null while GitHub computes mergeability in the background. */
  mergeable: boolean | null;
  /** `clean`, `has_hooks`, `unstable`, `blocked`, `behind`, `dirty`, `draft` or `unknown`. */
  mergeable_state: string;
  labels: readonly { name?: string | null }[];
  user?: { login: string } | null;
  head: {
    sha: string;
    ref: string;
    /** Null when the fork the PR came from was deleted. */
    repo: { id?: number; full_name: string; default_branch?: string } | null;
  };
  base: {
    ref: string;
    repo: { id?: number; full_name: string; default_branch?: string };
  };
}

/** One review (GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews), in the chronological order GitHub lists them. */
export interface ReviewSnapshot {
  /** Null for a review whose author's account was deleted. */
  user: { login: string } | null;
  /** `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`. */
  state: string;
  submitted_at?: string | null;
  /**
   * The reviewer's relation to the repository: `OWNER`, `MEMBER` (of the owning organization),
   * `COLLABORATOR`, `CONTRIBUTOR`, `FIRST_TIME_CONTRIBUTOR`, `FIRST_TIMER`, `MANNEQUIN` or `NONE`. Only
   * approvals from `OWNER`, `MEMBER` and `COLLABORATOR` count (see {@link foldReviews}).
   */
  author_association: string;
}

/** Each reviewer's standing decision, after folding their reviews in order. */
export interface ReviewSummary {
  /**
   * Reviewers whose latest decision is an approval that counts (their `author_association` is `OWNER`,
   * `MEMBER` or `COLLABORATOR`), in order of first appearance.
   */
  approvedBy: string[];
  /**
   * Reviewers whose latest decision is an approval that does not count: anyone can approve a PR on a public
   * repository, and GitHub counts only approvals from people with write access.
   */
  uncountedApprovals: string[];
  /** Reviewers whose latest decision is a change request, in order of first appearance. */
  changesRequestedBy: string[];
}

/** Why a PR is not merged now but may be later, without anyone changing the policy. */
export type WaitCode =
  | 'draft'
  | 'head-moved'
  | 'changes-requested'
  | 'approvals'
  | 'unknown'
  | 'not-mergeable'
  | 'blocked'
  | 'behind'
  | 'dirty'
  | 'unstable'
  | 'unrecognised-state';

/** Why the policy says this PR is not one to merge. */
export type SkipCode = 'closed' | 'merged' | 'skip-label' | 'missing-label' | 'base' | 'fork';

/** What {@link decideMerge} concluded. `sha` is always the head sha the decision was made on. */
export type MergeDecision =
  | { action: 'merge'; sha: string; method: MergeMethod; reason: string }
  | { action: 'update-branch'; sha: string; reason: string }
  | {
      action: 'wait';
      code: WaitCode;
      sha: string;
      reason: string;
      /** The approvals that count, once the reviews were folded (absent for a draft or a moved head). */
      approvedBy?: string[];
    }
  | { action: 'skip'; code: SkipCode; sha: string; reason: string };

/** The outcome of {@link autoMerge}, also what `--json` prints. */
export interface AutoMergeResult {
  /** The pull request's web URL. */
  pr: string;
  action: 'merged' | 'waiting' | 'skipped' | 'updated-branch';
  /** True only when this run merged the PR. */
  merged: boolean;
  reason: string;
  /** The head sha that was evaluated (and, for a merge, the one GitHub was told the head must still be). */
  sha: string;
  /** Present, and true, when nothing was written because of `dryRun`. */
  dryRun?: true;
}

/** A commit status (the combined status of the head sha). */
export interface StatusFact {
  context: string;
  /** `success`, `pending`, `failure` or `error`. */
  state: string;
}

/** A check run on the head sha. */
export interface CheckRunFact {
  name: string;
  /** `queued`, `in_progress`, `completed`, ... */
  status: string;
  /** Set once completed: `success`, `failure`, `neutral`, `cancelled`, `skipped`, `timed_out`, `action_required`, ... */
  conclusion: string | null;
}

/**
 * What the API shows about why a PR is blocked: the base branch's requirements (branch protection summary and
 * rulesets, both readable with a plain token) and the head sha's statuses and check runs.
 */
export interface CheckFacts {
  /** Status check contexts the base branch requires, from whichever of its rulesets and protection could be read. */
  requiredChecks: readonly string[];
  /** False when the rulesets or the protection could not be read: other checks may be required too. */
  allRequiredChecksKnown: boolean;
  /** Approving reviews the base branch's rules require; undefined when unknown or not required. */
  requiredApprovingReviews?: number;
  /** Requirements the API names but whose state it does not show (code owners, resolved conversations, ...). */
  otherRequirements: readonly string[];
  statuses: readonly StatusFact[];
  checkRuns: readonly CheckRunFact[];
  /** What could not be read (e.g. `check runs`), said in the explanation so a gap is not mistaken for a pass. */
  unreadable: readonly string[];
}
