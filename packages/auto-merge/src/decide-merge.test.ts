import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideMerge } from './decide-merge.js';
import { resolveMergePolicy } from './merge-policy.js';
import { foldReviews } from './review-folding.js';
import type { MergeDecision, MergePolicy, PullRequestSnapshot, ReviewSnapshot } from './types.js';

const HEAD = '6dcb09b5b57875f334f61aebed695e2e4193db5e';

function pullRequest(overrides: Partial<PullRequestSnapshot> = {}): PullRequestSnapshot {
  return {
    number: 42,
    html_url: 'https://github.com/acme/shop/pull/42',
    state: 'open',
    merged: false,
    draft: false,
    mergeable: true,
    mergeable_state: 'clean',
    labels: [],
    user: { login: 'octocat' },
    head: { sha: HEAD, ref: 'feature/cart', repo: { id: 1, full_name: 'acme/shop' } },
    base: { ref: 'develop', repo: { id: 1, full_name: 'acme/shop' } },
    ...overrides,
  };
}

const review = (login: string, state: string, association = 'MEMBER'): ReviewSnapshot => ({
  user: { login },
  state,
  author_association: association,
});
const approved = [review('alice', 'APPROVED')];
const decide = (
  pr: Partial<PullRequestSnapshot>,
  reviews: ReviewSnapshot[] = approved,
  policy: Parameters<typeof resolveMergePolicy>[0] = {},
) => decideMerge(pullRequest(pr), reviews, resolveMergePolicy(policy));

/** The parts of a decision a row of the tables below pins down. */
const shape = (decision: MergeDecision) =>
  decision.action === 'wait' || decision.action === 'skip'
    ? { action: decision.action, code: decision.code }
    : { action: decision.action };

describe('the policy decides which PRs are candidates at all', () => {
  it.each<[string, Partial<PullRequestSnapshot>, Parameters<typeof resolveMergePolicy>[0], object, RegExp]>([
    [
      'a merged PR',
      { state: 'closed', merged: true },
      {},
      { action: 'skip', code: 'merged' },
      /already merged/,
    ],
    ['a closed PR', { state: 'closed' }, {}, { action: 'skip', code: 'closed' }, /closed/],
    [
      'a PR with the skip label',
      { labels: [{ name: 'automerge:skip' }] },
      {},
      { action: 'skip', code: 'skip-label' },
      /"automerge:skip"/,
    ],
    [
      'a PR with the skip label in other case',
      { labels: [{ name: 'AutoMerge:Skip' }] },
      {},
      { action: 'skip', code: 'skip-label' },
      /skipLabel/,
    ],
    [
      'a PR with a custom skip label',
      { labels: [{ name: 'hold' }] },
      { skipLabel: 'hold' },
      { action: 'skip', code: 'skip-label' },
      /"hold"/,
    ],
    [
      'a PR without the required label',
      { labels: [{ name: 'bug' }] },
      { requireLabel: 'ship-it' },
      { action: 'skip', code: 'missing-label' },
      /lacks the label "ship-it"/,
    ],
    [
      'a PR with the required label',
      { labels: [{ name: 'ship-it' }] },
      { requireLabel: 'ship-it' },
      { action: 'merge' },
      /approved by alice/,
    ],
    [
      'a PR with both the required and the skip label',
      { labels: [{ name: 'ship-it' }, { name: 'automerge:skip' }] },
      { requireLabel: 'ship-it' },
      { action: 'skip', code: 'skip-label' },
      /skip/,
    ],
    [
      'a PR to a base branch not in baseBranches',
      { base: { ref: 'main', repo: { id: 1, full_name: 'acme/shop' } } },
      { baseBranches: ['develop', 'release/*'] },
      { action: 'skip', code: 'base' },
      /targets main.*develop, release\/\*/,
    ],
    [
      'a PR to a base branch matching a baseBranches pattern',
      { base: { ref: 'release/3.1', repo: { id: 1, full_name: 'acme/shop' } } },
      { baseBranches: ['develop', 'release/*'] },
      { action: 'merge' },
      /checks passed/,
    ],
    [
      'a PR from a fork',
      { head: { sha: HEAD, ref: 'patch-1', repo: { id: 2, full_name: 'stranger/shop' } } },
      {},
      { action: 'skip', code: 'fork' },
      /fork \(stranger\/shop\).*allowForks/,
    ],
    [
      'a PR from a deleted fork',
      { head: { sha: HEAD, ref: 'patch-1', repo: null } },
      {},
      { action: 'skip', code: 'fork' },
      /deleted repository/,
    ],
    [
      'a PR from a fork when forks are allowed',
      { head: { sha: HEAD, ref: 'patch-1', repo: { id: 2, full_name: 'stranger/shop' } } },
      { allowForks: true },
      { action: 'merge' },
      /approved/,
    ],
    [
      'a fork told apart by name when ids are missing',
      {
        head: { sha: HEAD, ref: 'patch-1', repo: { full_name: 'stranger/shop' } },
        base: { ref: 'develop', repo: { full_name: 'acme/shop' } },
      },
      {},
      { action: 'skip', code: 'fork' },
      /fork/,
    ],
    ['a draft', { draft: true }, {}, { action: 'wait', code: 'draft' }, /draft/],
    [
      'a PR GitHub reports as mergeable_state draft',
      { mergeable_state: 'draft' },
      {},
      { action: 'wait', code: 'draft' },
      /draft/,
    ],
  ])('%s', (_name, pr, policy, expected, reason) => {
    const decision = decide(pr, approved, policy);
    expect(shape(decision)).toEqual(expected);
    expect(decision.reason).toMatch(reason);
    expect(decision.sha).toBe(HEAD);
  });
});

/** Review histories (oldest first) and what they leave standing, with 1 approval required. */
const REVIEW_SCENARIOS: [string, ReviewSnapshot[], { code: string; reason: RegExp } | null][] = [
  ['no reviews', [], { code: 'approvals', reason: /needs 1 approval, has 0$/ }],
  ['one approval', approved, null],
  ['a change request', [review('bob', 'CHANGES_REQUESTED')], { code: 'changes-requested', reason: /by bob/ }],
  [
    'a change request later approved by the same reviewer',
    [review('bob', 'CHANGES_REQUESTED'), review('bob', 'APPROVED')],
    null,
  ],
  [
    'an approval and another reviewer’s change request',
    [review('alice', 'APPROVED'), review('bob', 'CHANGES_REQUESTED')],
    { code: 'changes-requested', reason: /by bob$/ },
  ],
  [
    'an approval then dismissed',
    [review('alice', 'APPROVED'), review('alice', 'DISMISSED')],
    { code: 'approvals', reason: /has 0/ },
  ],
  ['an approval then a comment', [review('alice', 'APPROVED'), review('alice', 'COMMENTED')], null],
  ['only comments', [review('alice', 'COMMENTED')], { code: 'approvals', reason: /has 0/ }],
  ['a pending review', [review('alice', 'PENDING')], { code: 'approvals', reason: /has 0/ }],
];

/**
 * Every mergeable_state GitHub reports (and one it may add), with the policy switches that matter. `draft` is
 * in the table above: a draft waits whatever its reviews say.
 */
const STATE_TABLE: [string, boolean | null, Parameters<typeof resolveMergePolicy>[0], object][] = [
  ['clean', true, {}, { action: 'merge' }],
  ['clean', false, {}, { action: 'wait', code: 'not-mergeable' }],
  ['clean', null, {}, { action: 'wait', code: 'unknown' }],
  ['has_hooks', true, {}, { action: 'merge' }],
  ['has_hooks', false, {}, { action: 'wait', code: 'not-mergeable' }],
  ['unstable', true, {}, { action: 'wait', code: 'unstable' }],
  ['unstable', true, { allowUnstable: true }, { action: 'merge' }],
  ['unstable', false, { allowUnstable: true }, { action: 'wait', code: 'not-mergeable' }],
  ['behind', true, {}, { action: 'wait', code: 'behind' }],
  ['behind', true, { updateBranch: true }, { action: 'update-branch' }],
  ['blocked', true, {}, { action: 'wait', code: 'blocked' }],
  ['blocked', true, { allowUnstable: true, updateBranch: true }, { action: 'wait', code: 'blocked' }],
  ['dirty', false, {}, { action: 'wait', code: 'dirty' }],
  ['dirty', false, { updateBranch: true }, { action: 'wait', code: 'dirty' }],
  ['unknown', null, {}, { action: 'wait', code: 'unknown' }],
  ['unknown', true, {}, { action: 'wait', code: 'unknown' }],
  ['queued_for_magic', true, {}, { action: 'wait', code: 'unrecognised-state' }],
];

describe('every mergeable_state, with every review history', () => {
  for (const [state, mergeable, policy, expected] of STATE_TABLE) {
    describe(`mergeable_state ${state}, mergeable ${mergeable}, policy ${JSON.stringify(policy)}`, () => {
      it.each(REVIEW_SCENARIOS)('%s', (_name, reviews, blocker) => {
        const decision = decide({ mergeable_state: state, mergeable }, reviews, policy);
        if (blocker) {
          // Reviews are judged before mergeability: a PR that lacks approval is never polled or updated.
          expect(shape(decision)).toEqual({ action: 'wait', code: blocker.code });
          expect(decision.reason).toMatch(blocker.reason);
        } else {
          expect(shape(decision)).toEqual(expected);
        }
        expect(decision.sha).toBe(HEAD);
      });
    });
  }

  it('names the state, the base and the method in its reasons', () => {
    expect(decide({ mergeable_state: 'dirty', mergeable: false }).reason).toBe(
      'it has merge conflicts with develop',
    );
    expect(decide({ mergeable_state: 'behind' }).reason).toMatch(/behind develop.*automerge\.updateBranch/);
    expect(decide({ mergeable_state: 'unstable' }).reason).toMatch(/automerge\.allowUnstable/);
    expect(decide({ mergeable_state: 'queued_for_magic' }).reason).toMatch(/"queued_for_magic"/);
    expect(decide({}, approved, { method: 'squash' })).toMatchObject({ action: 'merge', method: 'squash' });
  });
});

describe('the head a CI build checked', () => {
  it('waits when the PR head moved since the build checked it: that head has a build of its own', () => {
    const decision = decideMerge(pullRequest(), approved, resolveMergePolicy(), {
      expectedHeadSha: 'a'.repeat(40),
    });
    expect(shape(decision)).toEqual({ action: 'wait', code: 'head-moved' });
    expect(decision.reason).toBe(
      'its head is 6dcb09b, not aaaaaaa that this build checked; the build of the new head decides',
    );
  });

  it('merges when the head is the one checked', () => {
    expect(decideMerge(pullRequest(), approved, resolveMergePolicy(), { expectedHeadSha: HEAD }).action).toBe(
      'merge',
    );
  });
});

describe('required approvals', () => {
  it.each<[number, ReviewSnapshot[], object]>([
    [0, [], { action: 'merge' }],
    [0, [review('bob', 'CHANGES_REQUESTED')], { action: 'wait', code: 'changes-requested' }],
    [2, approved, { action: 'wait', code: 'approvals' }],
    [2, [review('alice', 'APPROVED'), review('alice', 'APPROVED')], { action: 'wait', code: 'approvals' }],
    [2, [review('alice', 'APPROVED'), review('bob', 'APPROVED')], { action: 'merge' }],
    [1, [review('mallory', 'APPROVED', 'NONE')], { action: 'wait', code: 'approvals' }],
    [1, [review('mallory', 'APPROVED', 'CONTRIBUTOR')], { action: 'wait', code: 'approvals' }],
    [1, [review('carol', 'APPROVED', 'COLLABORATOR')], { action: 'merge' }],
    [1, [review('olivia', 'APPROVED', 'OWNER')], { action: 'merge' }],
    [
      2,
      [review('alice', 'APPROVED'), review('mallory', 'APPROVED', 'FIRST_TIME_CONTRIBUTOR')],
      { action: 'wait', code: 'approvals' },
    ],
    [
      1,
      [review('alice', 'APPROVED'), review('mallory', 'CHANGES_REQUESTED', 'NONE')],
      { action: 'wait', code: 'changes-requested' },
    ],
  ])('%i required with %j', (requiredApprovals, reviews, expected) => {
    expect(shape(decide({}, reviews, { requiredApprovals }))).toEqual(expected);
  });

  it('says who approved and how many are missing', () => {
    expect(decide({}, approved, { requiredApprovals: 2 }).reason).toBe('needs 2 approvals, has 1 (alice)');
    expect(decide({}, approved).reason).toBe('approved by alice; checks passed');
    expect(decide({}, [], { requiredApprovals: 0 }).reason).toBe('no approval required; checks passed');
  });

  it('carries the approvals that count in a wait decided after the reviews', () => {
    const reviews = [review('alice', 'APPROVED'), review('mallory', 'APPROVED', 'NONE')];
    expect(decide({ mergeable_state: 'blocked' }, reviews)).toMatchObject({
      action: 'wait',
      code: 'blocked',
      approvedBy: ['alice'],
    });
    expect(decide({ mergeable_state: 'unstable' }, reviews)).toMatchObject({ approvedBy: ['alice'] });
    expect(decide({}, reviews, { requiredApprovals: 2 })).toMatchObject({
      code: 'approvals',
      approvedBy: ['alice'],
    });
    expect(decide({ draft: true }, reviews)).not.toHaveProperty('approvedBy');
  });

  it('says which approvals did not count', () => {
    const reviews = [review('alice', 'APPROVED'), review('mallory', 'APPROVED', 'NONE')];
    expect(decide({}, reviews, { requiredApprovals: 2 }).reason).toBe(
      'needs 2 approvals, has 1 (alice); not counted, as they may lack write access: mallory',
    );
    expect(decide({}, reviews).reason).toBe('approved by alice; checks passed');
  });
});

/** Mostly `usual`, sometimes anything of `others`: keeps merge-ready PRs common enough to test the merge rule. */
const mostly = <T>(usual: T, ...others: T[]) =>
  fc.oneof(
    { arbitrary: fc.constant(usual), weight: 3 },
    { arbitrary: fc.constantFrom(usual, ...others), weight: 1 },
  );

const policyArbitrary: fc.Arbitrary<MergePolicy> = fc
  .record({
    method: fc.constantFrom('merge' as const, 'squash' as const, 'rebase' as const),
    requiredApprovals: mostly(1, 0, 2, 3),
    requireLabel: mostly<string | undefined>(undefined, 'ship-it', 'ready'),
    allowUnstable: fc.boolean(),
    updateBranch: fc.boolean(),
    allowForks: fc.boolean(),
    baseBranches: mostly<string[] | undefined>(undefined, ['develop'], ['main', 'release/*']),
  })
  .map((fields) =>
    resolveMergePolicy(
      Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Parameters<
        typeof resolveMergePolicy
      >[0],
    ),
  );

const prArbitrary: fc.Arbitrary<PullRequestSnapshot> = fc
  .record({
    state: mostly('open', 'closed'),
    merged: fc.boolean(),
    draft: mostly(false, true),
    mergeable: mostly<boolean | null>(true, false, null),
    mergeable_state: mostly(
      'clean',
      'has_hooks',
      'unstable',
      'blocked',
      'behind',
      'dirty',
      'draft',
      'unknown',
      'other',
    ),
    labels: fc.oneof(fc.constant<string[]>([]), fc.subarray(['automerge:skip', 'ship-it', 'ready', 'bug'])),
    fork: fc.boolean(),
    base: fc.constantFrom('develop', 'main', 'release/2.0', 'feature/x'),
    sha: fc.stringMatching(/^[0-9a-f]{40}$/),
  })
  .map((fields) =>
    pullRequest({
      state: fields.state,
      merged: fields.state === 'closed' && fields.merged,
      draft: fields.draft,
      mergeable: fields.mergeable,
      mergeable_state: fields.mergeable_state,
      labels: fields.labels.map((name) => ({ name })),
      head: {
        sha: fields.sha,
        ref: 'topic',
        repo: fields.fork ? { id: 2, full_name: 'fork/shop' } : { id: 1, full_name: 'acme/shop' },
      },
      base: { ref: fields.base, repo: { id: 1, full_name: 'acme/shop' } },
    }),
  );

const reviewsArbitrary = fc.array(
  fc
    .record({
      login: fc.constantFrom('alice', 'bob', 'carol'),
      state: mostly('APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'),
      association: mostly('MEMBER', 'OWNER', 'COLLABORATOR', 'CONTRIBUTOR', 'NONE'),
    })
    .map(({ login, state, association }) => review(login, state, association)),
  { maxLength: 12 },
);

describe('decision properties', () => {
  it('merges only when every condition of the policy holds, on the head sha, with the policy method', () => {
    let merges = 0;
    fc.assert(
      fc.property(prArbitrary, reviewsArbitrary, policyArbitrary, (pr, reviews, policy) => {
        const decision = decideMerge(pr, reviews, policy);
        expect(decision.sha).toBe(pr.head.sha);
        if (decision.action !== 'merge') return;
        merges++;
        const labels = pr.labels.map((label) => label.name);
        const { approvedBy, changesRequestedBy } = foldReviews(reviews);
        expect(pr.state).toBe('open');
        expect(pr.draft).toBe(false);
        expect(pr.mergeable).toBe(true);
        expect(labels).not.toContain(policy.skipLabel);
        if (policy.requireLabel) expect(labels).toContain(policy.requireLabel);
        if (!policy.allowForks) expect(pr.head.repo?.id).toBe(pr.base.repo.id);
        if (policy.baseBranches) {
          const allowed =
            policy.baseBranches.includes(pr.base.ref) ||
            (policy.baseBranches.includes('release/*') && pr.base.ref.startsWith('release/'));
          expect(allowed).toBe(true);
        }
        expect(changesRequestedBy).toEqual([]);
        expect(approvedBy.length).toBeGreaterThanOrEqual(policy.requiredApprovals);
        expect(policy.allowUnstable ? ['clean', 'has_hooks', 'unstable'] : ['clean', 'has_hooks']).toContain(
          pr.mergeable_state,
        );
        expect(decision.method).toBe(policy.method);
      }),
      { numRuns: 2000 },
    );
    // The generators must reach the merge branch often, or the property above proves little.
    expect(merges).toBeGreaterThan(100);
  });

  it('approvals by people who may lack write access never change the decision', () => {
    const outsiders = fc.array(
      fc.record({
        login: fc.constantFrom('mallory', 'trent', 'eve'),
        association: fc.constantFrom(
          'CONTRIBUTOR',
          'FIRST_TIME_CONTRIBUTOR',
          'FIRST_TIMER',
          'MANNEQUIN',
          'NONE',
        ),
        at: fc.nat(),
      }),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(prArbitrary, reviewsArbitrary, policyArbitrary, outsiders, (pr, reviews, policy, extra) => {
        const padded = [...reviews];
        for (const { login, association, at } of extra) {
          padded.splice(at % (padded.length + 1), 0, review(login, 'APPROVED', association));
        }
        const before = decideMerge(pr, reviews, policy);
        const after = decideMerge(pr, padded, policy);
        expect(shape(after)).toEqual(shape(before));
      }),
      { numRuns: 1000 },
    );
  });

  it('updates a branch only when it is behind and the policy asks for it', () => {
    fc.assert(
      fc.property(prArbitrary, reviewsArbitrary, policyArbitrary, (pr, reviews, policy) => {
        const decision = decideMerge(pr, reviews, policy);
        if (decision.action === 'update-branch') {
          expect(pr.mergeable_state).toBe('behind');
          expect(policy.updateBranch).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
