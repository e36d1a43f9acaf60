import { matchRefPattern } from '@reletan/core';
import { unstableReason } from './explain-block.js';
import { foldReviews } from './review-folding.js';
import type {
  MergeDecision,
  MergePolicy,
  PullRequestSnapshot,
  ReviewSnapshot,
  SkipCode,
  WaitCode,
} from './types.js';

export interface DecideMergeOptions {
  /**
   * The head the caller's CI build checked (CircleCI's `CIRCLE_SHA1`, the head sha of GitHub Actions' event).
   * When the PR's head is another commit, the decision waits: that commit's own build decides.
   */
  expectedHeadSha?: string;
}

/**
 * Decides what to do with a pull request, from the PR as GitHub reports it, its reviews (all pages, in
 * chronological order) and the policy. Pure: no I/O, same answer for the same input.
 *
 * The policy comes first (open, labels, base branch, fork), then the reviews (draft, change requests,
 * approvals), and only then GitHub's `mergeable_state`: a PR the policy rejects is never re-polled or
 * updated. It merges only on `clean` or `has_hooks` (or `unstable` when `allowUnstable`), with GitHub's
 * `mergeable` true, and always names the head sha it decided on.
 */
export function decideMerge(
  pr: PullRequestSnapshot,
  reviews: readonly ReviewSnapshot[],
  policy: MergePolicy,
  options: DecideMergeOptions = {},
): MergeDecision {
  const sha = pr.head.sha;
  const skip = (code: SkipCode, reason: string): MergeDecision => ({ action: 'skip', code, sha, reason });
  const wait = (code: WaitCode, reason: string): MergeDecision => ({ action: 'wait', code, sha, reason });

  if (pr.merged) return skip('merged', 'already merged');
  if (pr.state !== 'open') return skip('closed', `the PR is ${pr.state}`);

  const labels = new Set(pr.labels.map((label) => (label.name ?? '').toLowerCase()));
  if (labels.has(policy.skipLabel.toLowerCase())) {
    return skip('skip-label', `it has the label "${policy.skipLabel}" (automerge.skipLabel)`);
  }
  if (policy.requireLabel !== undefined && !labels.has(policy.requireLabel.toLowerCase())) {
    return skip('missing-label', `it lacks the label "${policy.requireLabel}" (automerge.requireLabel)`);
  }
  if (policy.baseBranches && !policy.baseBranches.some((pattern) => matchRefPattern(pattern, pr.base.ref))) {
    return skip(
      'base',
      `it targets ${pr.base.ref}, which automerge.baseBranches does not allow (${policy.baseBranches.join(', ')})`,
    );
  }
  if (isFromFork(pr) && !policy.allowForks) {
    return skip(
      'fork',
      `it comes from a fork (${pr.head.repo?.full_name ?? 'a deleted repository'}); automerge.allowForks is off`,
    );
  }

  if (pr.draft || pr.mergeable_state === 'draft') return wait('draft', 'it is a draft');
  if (options.expectedHeadSha !== undefined && options.expectedHeadSha !== sha) {
    return wait(
      'head-moved',
      `its head is ${sha.slice(0, 7)}, not ${options.expectedHeadSha.slice(0, 7)} that this build checked; the build of the new head decides`,
    );
  }

  const { approvedBy, uncountedApprovals, changesRequestedBy } = foldReviews(reviews);
  // From here on a wait carries the approvals, which explaining a blocked PR needs.
  const waitReviewed = (code: WaitCode, reason: string): MergeDecision => ({
    action: 'wait',
    code,
    sha,
    reason,
    approvedBy,
  });
  if (changesRequestedBy.length > 0) {
    return waitReviewed('changes-requested', `changes requested by ${changesRequestedBy.join(', ')}`);
  }
  if (approvedBy.length < policy.requiredApprovals) {
    const uncounted =
      uncountedApprovals.length > 0
        ? `; not counted, as they may lack write access: ${uncountedApprovals.join(', ')}`
        : '';
    return waitReviewed(
      'approvals',
      `needs ${plural(policy.requiredApprovals, 'approval')}, has ${approvedBy.length}${
        approvedBy.length > 0 ? ` (${approvedBy.join(', ')})` : ''
      }${uncounted}`,
    );
  }
  const approved = approvedBy.length > 0 ? `approved by ${approvedBy.join(', ')}` : 'no approval required';

  if (pr.mergeable === null || pr.mergeable_state === 'unknown') {
    return waitReviewed('unknown', 'GitHub has not finished computing whether it can be merged');
  }
  const notMergeable = () =>
    waitReviewed('not-mergeable', `GitHub reports ${pr.mergeable_state} but not mergeable; not merging`);
  switch (pr.mergeable_state) {
    case 'clean':
    case 'has_hooks':
      if (!pr.mergeable) return notMergeable();
      return {
        action: 'merge',
        sha,
        method: policy.method,
        reason: `${approved}; checks ${pr.mergeable_state === 'clean' ? 'passed' : 'passed (pre-receive hooks run on merge)'}`,
      };
    case 'unstable':
      if (!policy.allowUnstable) {
        return waitReviewed('unstable', unstableReason([]));
      }
      if (!pr.mergeable) return notMergeable();
      return {
        action: 'merge',
        sha,
        method: policy.method,
        reason: `${approved}; required checks passed, others failing (automerge.allowUnstable)`,
      };
    case 'behind':
      if (policy.updateBranch) {
        return { action: 'update-branch', sha, reason: `the branch is behind ${pr.base.ref}` };
      }
      return waitReviewed(
        'behind',
        `the branch is behind ${pr.base.ref}, which the base branch requires to be up to date (automerge.updateBranch is off)`,
      );
    case 'blocked':
      return waitReviewed('blocked', "blocked by the base branch's protection or rulesets");
    case 'dirty':
      return waitReviewed('dirty', `it has merge conflicts with ${pr.base.ref}`);
    default:
      return waitReviewed(
        'unrecognised-state',
        `GitHub reports mergeable_state "${pr.mergeable_state}", which reletan does not know; not merging`,
      );
  }
}

/** A PR whose head lives in another repository (or in one that was deleted). */
export function isFromFork(pr: PullRequestSnapshot): boolean {
  const head = pr.head.repo;
  if (!head) return true;
  const base = pr.base.repo;
  if (head.id !== undefined && base.id !== undefined) return head.id !== base.id;
  return head.full_name.toLowerCase() !== base.full_name.toLowerCase();
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
