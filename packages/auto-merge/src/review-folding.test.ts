import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldReviews } from './review-folding.js';
import type { ReviewSnapshot } from './types.js';

const review = (login: string | null, state: string, association = 'MEMBER'): ReviewSnapshot => ({
  user: login === null ? null : { login },
  state,
  author_association: association,
});

describe("each reviewer's latest decision counts", () => {
  it.each<[string, ReviewSnapshot[], string[], string[]]>([
    ['no reviews', [], [], []],
    ['one approval', [review('alice', 'APPROVED')], ['alice'], []],
    ['one change request', [review('alice', 'CHANGES_REQUESTED')], [], ['alice']],
    [
      'a later approval clears the same reviewer’s change request',
      [review('alice', 'CHANGES_REQUESTED'), review('alice', 'APPROVED')],
      ['alice'],
      [],
    ],
    [
      'a later change request withdraws the same reviewer’s approval',
      [review('alice', 'APPROVED'), review('alice', 'CHANGES_REQUESTED')],
      [],
      ['alice'],
    ],
    [
      'another reviewer’s approval does not clear a change request',
      [review('alice', 'CHANGES_REQUESTED'), review('bob', 'APPROVED')],
      ['bob'],
      ['alice'],
    ],
    [
      'a comment after an approval leaves the approval standing',
      [review('alice', 'APPROVED'), review('alice', 'COMMENTED')],
      ['alice'],
      [],
    ],
    [
      'a comment after a change request leaves the change request standing',
      [review('alice', 'CHANGES_REQUESTED'), review('alice', 'COMMENTED')],
      [],
      ['alice'],
    ],
    ['a dismissed approval is no approval', [review('alice', 'DISMISSED')], [], []],
    [
      'a dismissed review leaves the reviewer with no decision, even with an earlier approval',
      [review('alice', 'APPROVED'), review('alice', 'DISMISSED')],
      [],
      [],
    ],
    [
      'a dismissed change request no longer blocks',
      [review('alice', 'APPROVED'), review('alice', 'CHANGES_REQUESTED'), review('alice', 'DISMISSED')],
      [],
      [],
    ],
    [
      'an approval after a dismissal counts',
      [review('alice', 'DISMISSED'), review('alice', 'APPROVED')],
      ['alice'],
      [],
    ],
    [
      'a pending (unsubmitted) review is not a decision',
      [review('alice', 'APPROVED'), review('alice', 'PENDING')],
      ['alice'],
      [],
    ],
    ['a review by a deleted account is ignored', [review(null, 'APPROVED')], [], []],
    [
      'logins compare case-insensitively',
      [review('Alice', 'APPROVED'), review('alice', 'CHANGES_REQUESTED')],
      [],
      ['Alice'],
    ],
  ])('%s', (_name, reviews, approvedBy, changesRequestedBy) => {
    expect(foldReviews(reviews)).toEqual({ approvedBy, uncountedApprovals: [], changesRequestedBy });
  });
});

describe('only approvals from people who may have write access count', () => {
  it.each<[string, ReviewSnapshot[], string[], string[], string[]]>([
    ['an owner', [review('alice', 'APPROVED', 'OWNER')], ['alice'], [], []],
    ['a member of the organization', [review('alice', 'APPROVED', 'MEMBER')], ['alice'], [], []],
    ['a collaborator', [review('alice', 'APPROVED', 'COLLABORATOR')], ['alice'], [], []],
    ['a contributor', [review('mallory', 'APPROVED', 'CONTRIBUTOR')], [], ['mallory'], []],
    [
      'a first-time contributor',
      [review('mallory', 'APPROVED', 'FIRST_TIME_CONTRIBUTOR')],
      [],
      ['mallory'],
      [],
    ],
    ['a first-timer on GitHub', [review('mallory', 'APPROVED', 'FIRST_TIMER')], [], ['mallory'], []],
    ['a mannequin', [review('mallory', 'APPROVED', 'MANNEQUIN')], [], ['mallory'], []],
    ['anyone else', [review('mallory', 'APPROVED', 'NONE')], [], ['mallory'], []],
    ['an association GitHub may add later', [review('mallory', 'APPROVED', 'SPONSOR')], [], ['mallory'], []],
    [
      'a missing association (a caller that did not pass it)',
      [{ user: { login: 'mallory' }, state: 'APPROVED' } as ReviewSnapshot],
      [],
      ['mallory'],
      [],
    ],
    ['a member, in lower case', [review('alice', 'APPROVED', 'member')], ['alice'], [], []],
    [
      'a change request by anyone blocks',
      [review('mallory', 'CHANGES_REQUESTED', 'NONE'), review('alice', 'APPROVED', 'OWNER')],
      ['alice'],
      [],
      ['mallory'],
    ],
    [
      "an outsider's later approval clears their own change request, and does not count",
      [review('mallory', 'CHANGES_REQUESTED', 'NONE'), review('mallory', 'APPROVED', 'NONE')],
      [],
      ['mallory'],
      [],
    ],
    [
      "the latest review's association stands (a contributor who became a collaborator)",
      [review('bob', 'APPROVED', 'CONTRIBUTOR'), review('bob', 'COMMENTED', 'COLLABORATOR')],
      ['bob'],
      [],
      [],
    ],
  ])('%s', (_name, reviews, approvedBy, uncountedApprovals, changesRequestedBy) => {
    expect(foldReviews(reviews)).toEqual({ approvedBy, uncountedApprovals, changesRequestedBy });
  });
});

const STATES = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] as const;
const COUNTED = ['OWNER', 'MEMBER', 'COLLABORATOR'];
const ASSOCIATIONS = [
  ...COUNTED,
  'CONTRIBUTOR',
  'FIRST_TIME_CONTRIBUTOR',
  'FIRST_TIMER',
  'MANNEQUIN',
  'NONE',
];
const reviewer = fc.constantFrom('alice', 'bob', 'carol', 'dave');
const anyReview = fc.record({ login: reviewer, state: fc.constantFrom(...STATES) });
const reviewList = fc
  .array(anyReview, { maxLength: 40 })
  .map((list) => list.map(({ login, state }) => review(login, state)));
/** Reviews by reviewers each with one association (as GitHub reports it), counted or not. */
const mixedReviewList = fc
  .tuple(
    fc.array(anyReview, { maxLength: 40 }),
    fc.record({
      alice: fc.constantFrom(...ASSOCIATIONS),
      bob: fc.constantFrom(...ASSOCIATIONS),
      carol: fc.constantFrom(...ASSOCIATIONS),
      dave: fc.constantFrom(...ASSOCIATIONS),
    }),
  )
  .map(([list, associations]) => ({
    associations: associations as Record<string, string>,
    reviews: list.map(({ login, state }) => review(login, state, associations[login])),
  }));

describe('review folding properties', () => {
  it('never counts a reviewer as both approving and requesting changes', () => {
    fc.assert(
      fc.property(reviewList, (reviews) => {
        const { approvedBy, changesRequestedBy } = foldReviews(reviews);
        expect(approvedBy.filter((login) => changesRequestedBy.includes(login))).toEqual([]);
        expect(new Set(approvedBy).size).toBe(approvedBy.length);
      }),
    );
  });

  it("a reviewer's standing is the state of their last APPROVED, CHANGES_REQUESTED or DISMISSED review", () => {
    fc.assert(
      fc.property(reviewList, reviewer, (reviews, login) => {
        const decisive = reviews.filter(
          (r) => r.user?.login === login && ['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(r.state),
        );
        const last = decisive.at(-1)?.state;
        const { approvedBy, changesRequestedBy } = foldReviews(reviews);
        expect(approvedBy.includes(login)).toBe(last === 'APPROVED');
        expect(changesRequestedBy.includes(login)).toBe(last === 'CHANGES_REQUESTED');
      }),
    );
  });

  it('an approval counts exactly when it is the latest decision of an owner, member or collaborator', () => {
    fc.assert(
      fc.property(mixedReviewList, reviewer, ({ reviews, associations }, login) => {
        const decisive = reviews.filter(
          (r) => r.user?.login === login && ['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(r.state),
        );
        const approves = decisive.at(-1)?.state === 'APPROVED';
        const counted = COUNTED.includes(associations[login] ?? '');
        const { approvedBy, uncountedApprovals, changesRequestedBy } = foldReviews(reviews);
        expect(approvedBy.includes(login)).toBe(approves && counted);
        expect(uncountedApprovals.includes(login)).toBe(approves && !counted);
        expect(changesRequestedBy.includes(login)).toBe(decisive.at(-1)?.state === 'CHANGES_REQUESTED');
      }),
    );
  });

  it("the association decides only whether an approval counts, never a change request or another's standing", () => {
    fc.assert(
      fc.property(mixedReviewList, ({ reviews }) => {
        const asMembers = foldReviews(reviews.map((r) => ({ ...r, author_association: 'MEMBER' })));
        const summary = foldReviews(reviews);
        expect(summary.changesRequestedBy).toEqual(asMembers.changesRequestedBy);
        expect([...summary.approvedBy, ...summary.uncountedApprovals].sort()).toEqual(
          [...asMembers.approvedBy].sort(),
        );
        expect(asMembers.uncountedApprovals).toEqual([]);
      }),
    );
  });

  it('comments and pending reviews inserted anywhere change nothing', () => {
    fc.assert(
      fc.property(
        reviewList,
        fc.array(
          fc.record({
            at: fc.nat(),
            login: reviewer,
            state: fc.constantFrom('COMMENTED', 'PENDING'),
          }),
          { maxLength: 10 },
        ),
        (reviews, extras) => {
          const padded = [...reviews];
          for (const extra of extras) {
            padded.splice(extra.at % (padded.length + 1), 0, review(extra.login, extra.state));
          }
          const sorted = (summary: ReturnType<typeof foldReviews>) => ({
            approvedBy: [...summary.approvedBy].sort(),
            changesRequestedBy: [...summary.changesRequestedBy].sort(),
          });
          expect(sorted(foldReviews(padded))).toEqual(sorted(foldReviews(reviews)));
        },
      ),
    );
  });

  it('an appended approval, change request or dismissal decides that reviewer alone', () => {
    fc.assert(
      fc.property(
        reviewList,
        reviewer,
        fc.constantFrom('APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'),
        (reviews, login, state) => {
          const before = foldReviews(reviews);
          const after = foldReviews([...reviews, review(login, state)]);
          expect(after.approvedBy.includes(login)).toBe(state === 'APPROVED');
          expect(after.changesRequestedBy.includes(login)).toBe(state === 'CHANGES_REQUESTED');
          const others = (list: string[]) => list.filter((name) => name !== login).sort();
          expect(others(after.approvedBy)).toEqual(others(before.approvedBy));
          expect(others(after.changesRequestedBy)).toEqual(others(before.changesRequestedBy));
        },
      ),
    );
  });

  it('interleaving different reviewers differently gives the same result', () => {
    fc.assert(
      fc.property(reviewList, fc.infiniteStream(fc.boolean()), (reviews, coin) => {
        // A shuffle that keeps each reviewer's own reviews in order: merge the per-reviewer queues randomly.
        const queues = new Map<string, ReviewSnapshot[]>();
        for (const r of reviews) {
          const key = r.user?.login ?? '';
          queues.set(key, [...(queues.get(key) ?? []), r]);
        }
        const shuffled: ReviewSnapshot[] = [];
        const flips = coin[Symbol.iterator]();
        while ([...queues.values()].some((queue) => queue.length > 0)) {
          for (const queue of queues.values()) {
            if (queue.length > 0 && flips.next().value) shuffled.push(queue.shift() as ReviewSnapshot);
          }
        }
        const sorted = (summary: ReturnType<typeof foldReviews>) => ({
          approvedBy: [...summary.approvedBy].sort(),
          changesRequestedBy: [...summary.changesRequestedBy].sort(),
        });
        expect(sorted(foldReviews(shuffled))).toEqual(sorted(foldReviews(reviews)));
      }),
    );
  });
});
