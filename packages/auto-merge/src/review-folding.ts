import type { ReviewSnapshot, ReviewSummary } from './types.js';

type Standing = 'approved' | 'changes-requested' | 'none';

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
 * Logins compare case-insensitively, as GitHub's do.
 */
export function foldReviews(reviews: readonly ReviewSnapshot[]): ReviewSummary {
  const standing = new Map<string, { login: string; standing: Standing }>();
  for (const review of reviews) {
    if (!review.user) continue;
    const key = review.user.login.toLowerCase();
    const next = standingAfter(review.state, standing.get(key)?.standing ?? 'none');
    const entry = standing.get(key);
    if (entry) entry.standing = next;
    else standing.set(key, { login: review.user.login, standing: next });
  }
  const summary: ReviewSummary = { approvedBy: [], changesRequestedBy: [] };
  for (const { login, standing: decision } of standing.values()) {
    if (decision === 'approved') summary.approvedBy.push(login);
    else if (decision === 'changes-requested') summary.changesRequestedBy.push(login);
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
