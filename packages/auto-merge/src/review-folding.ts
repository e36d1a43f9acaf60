import type { ReviewSnapshot, ReviewSummary } from './types.js';

type Standing = 'approved' | 'changes-requested' | 'none';

/**
 * The `author_association` values whose approvals count. GitHub counts an approval towards required reviews
 * only when its author has write access; the REST review does not say that, and these are the closest it
 * shows. They do not imply it either (an organization member or an invited collaborator may have read or
 * triage access only): branch protection's required approvals, which GitHub enforces through
 * `mergeable_state`, is exact.
 */
const COUNTED_ASSOCIATIONS: ReadonlySet<string> = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/**
 * Folds a PR's reviews (in GitHub's chronological order) into each reviewer's standing decision, the way
 * GitHub's required reviews read them:
 * - `APPROVED` and `CHANGES_REQUESTED` replace the reviewer's earlier decision, so a later approval clears
 *   their change request and a later change request withdraws their approval.
 * - `DISMISSED`: GitHub turns a dismissed review into a comment and the PR "needs a new review"; the
 *   reviewer is left with no decision. An approval they gave before the dismissed review does not come back.
 * - `COMMENTED` leaves the reviewer's decision as it was (a comment after an approval is still an approval).
 * - `PENDING` is an unsubmitted draft only its author sees; it is not a decision.
 * - A review by a deleted account (`user: null`) cannot be attributed to a reviewer and is ignored.
 * - An approval counts only from an `OWNER`, `MEMBER` or `COLLABORATOR` (the reviewer's latest review says
 *   which); others land in `uncountedApprovals`. A change request blocks whoever makes it: erring that way
 *   costs a wait, not an unreviewed merge.
 * Logins compare case-insensitively, as GitHub's do.
 */
export function foldReviews(reviews: readonly ReviewSnapshot[]): ReviewSummary {
  const reviewers = new Map<string, { login: string; standing: Standing; association: string }>();
  for (const review of reviews) {
    if (!review.user) continue;
    const key = review.user.login.toLowerCase();
    const entry = reviewers.get(key);
    const standing = standingAfter(review.state, entry?.standing ?? 'none');
    const association = (review.author_association ?? '').toUpperCase();
    if (entry) {
      entry.standing = standing;
      entry.association = association;
    } else reviewers.set(key, { login: review.user.login, standing, association });
  }
  const summary: ReviewSummary = { approvedBy: [], uncountedApprovals: [], changesRequestedBy: [] };
  for (const { login, standing, association } of reviewers.values()) {
    if (standing === 'approved') {
      (COUNTED_ASSOCIATIONS.has(association) ? summary.approvedBy : summary.uncountedApprovals).push(login);
    } else if (standing === 'changes-requested') summary.changesRequestedBy.push(login);
  }
  return summary;
}

function standingAfter(state: string, previous: Standing): Standing {
  switch (state.toUpperCase()) {
    case 'APPROVED':
      return 'approved';
    case 'CHANGES_REQUESTED':
      return 'changes-requested';
    case 'DISMISSED':
      return 'none';
    default:
      // COMMENTED, PENDING, and any state GitHub may add later: not a decision.
      return previous;
  }
}
