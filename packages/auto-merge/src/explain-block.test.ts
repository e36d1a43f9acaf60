import { describe, expect, it } from 'vitest';
import { explainBlocked, explainUnstable, ruleRequirement } from './explain-block.js';
import type { CheckFacts } from './types.js';

const facts = (overrides: Partial<CheckFacts> = {}): CheckFacts => ({
  requiredChecks: [],
  allRequiredChecksKnown: true,
  otherRequirements: [],
  statuses: [],
  checkRuns: [],
  unreadable: [],
  ...overrides,
});
const merge = { approvals: 1, method: 'merge' as const };

describe('explaining a blocked PR', () => {
  it('names the required checks that failed, are running, or never reported', () => {
    const text = explainBlocked(
      facts({
        requiredChecks: ['ci/test', 'lint', 'e2e', 'build'],
        statuses: [
          { context: 'ci/test', state: 'failure' },
          { context: 'build', state: 'success' },
        ],
        checkRuns: [{ name: 'lint', status: 'in_progress', conclusion: null }],
      }),
      merge,
    );
    expect(text).toBe(
      'blocked: required checks failed: ci/test; required checks still running: lint; required checks not reported on this commit: e2e',
    );
  });

  it('matches required checks against both statuses and check runs, the worst result winning', () => {
    const text = explainBlocked(
      facts({
        requiredChecks: ['test'],
        statuses: [{ context: 'test', state: 'success' }],
        checkRuns: [{ name: 'test', status: 'completed', conclusion: 'timed_out' }],
      }),
      merge,
    );
    expect(text).toBe('blocked: required checks failed: test');
  });

  it.each([
    ['success', 'passes'],
    ['neutral', 'passes'],
    ['skipped', 'passes'],
    ['failure', 'fails'],
    ['cancelled', 'fails'],
    ['timed_out', 'fails'],
    ['action_required', 'fails'],
    ['startup_failure', 'fails'],
    ['stale', 'fails'],
  ])('treats a completed check run concluding %s as one that %s', (conclusion, verdict) => {
    const text = explainBlocked(
      facts({ requiredChecks: ['test'], checkRuns: [{ name: 'test', status: 'completed', conclusion }] }),
      merge,
    );
    expect(text.includes('required checks failed: test')).toBe(verdict === 'fails');
  });

  it('says when the required checks cannot be seen, and lists failing ones anyway', () => {
    const text = explainBlocked(
      facts({
        allRequiredChecksKnown: false,
        statuses: [{ context: 'ci/test', state: 'error' }],
        checkRuns: [
          { name: 'lint', status: 'queued', conclusion: null },
          { name: 'build', status: 'completed', conclusion: 'success' },
        ],
        unreadable: ['the rules of main', 'the protection of main'],
      }),
      merge,
    );
    expect(text).toBe(
      'blocked: checks failed: ci/test (this token cannot see whether they are required); checks still running: lint (this token cannot see whether they are required) (could not read the rules of main, the protection of main)',
    );
  });

  it('with only part of the requirements readable, names the known ones and the other failing checks', () => {
    const text = explainBlocked(
      facts({
        requiredChecks: ['ci/test'],
        allRequiredChecksKnown: false,
        statuses: [
          { context: 'ci/test', state: 'failure' },
          { context: 'deploy-preview', state: 'failure' },
        ],
        unreadable: ['the protection of main'],
      }),
      merge,
    );
    expect(text).toBe(
      'blocked: required checks failed: ci/test; other checks failed: deploy-preview (this token cannot see whether they are required) (could not read the protection of main)',
    );
  });

  it('does not list checks that are not required when all requirements are known', () => {
    const text = explainBlocked(
      facts({ requiredChecks: ['ci/test'], statuses: [{ context: 'coverage', state: 'failure' }] }),
      merge,
    );
    expect(text).toBe('blocked: required checks not reported on this commit: ci/test');
  });

  it('counts approvals against what the base branch requires', () => {
    expect(explainBlocked(facts({ requiredChecks: [], requiredApprovingReviews: 2 }), merge)).toBe(
      'blocked: the base branch requires 2 approving reviews, it has 1',
    );
    expect(explainBlocked(facts({ requiredChecks: [], requiredApprovingReviews: 1 }), merge)).not.toMatch(
      /approving reviews/,
    );
  });

  it('names rules whose state the API does not show', () => {
    expect(
      explainBlocked(facts({ requiredChecks: [], otherRequirements: ["a code owner's approval"] }), merge),
    ).toBe("blocked: the base branch's rules require a code owner's approval");
    expect(
      explainBlocked(
        facts({
          requiredChecks: ['test'],
          checkRuns: [{ name: 'test', status: 'completed', conclusion: 'failure' }],
          otherRequirements: ['signed commits'],
        }),
        merge,
      ),
    ).toBe('blocked: required checks failed: test; the base branch also requires signed commits');
  });

  it('blames linear history only for merge commits', () => {
    const linear = facts({ requiredChecks: [], otherRequirements: ['linear history'] });
    expect(explainBlocked(linear, merge)).toMatch(/requires linear history.*use squash or rebase/);
    expect(explainBlocked(linear, { approvals: 1, method: 'squash' })).not.toMatch(/linear/);
  });

  it('says so when nothing the API shows explains it', () => {
    expect(
      explainBlocked(
        facts({ requiredChecks: ['test'], statuses: [{ context: 'test', state: 'success' }] }),
        merge,
      ),
    ).toMatch(
      /^blocked: the API shows no failing check or missing approval; branch protection this token cannot read/,
    );
  });

  it('shortens long lists', () => {
    const many = Array.from({ length: 11 }, (_, index) => `check-${index}`);
    expect(explainBlocked(facts({ requiredChecks: many }), merge)).toMatch(/check-7 and 3 more$/);
  });
});

describe('explaining an unstable PR', () => {
  it('lists the failing checks', () => {
    expect(
      explainUnstable(
        facts({
          statuses: [{ context: 'coverage', state: 'failure' }],
          checkRuns: [{ name: 'test', status: 'completed', conclusion: 'success' }],
        }),
      ),
    ).toBe('checks that are not required are failing: coverage (automerge.allowUnstable is off)');
  });
});

describe('branch rules', () => {
  it.each([
    [{ type: 'pull_request', parameters: { require_code_owner_review: true } }, ["a code owner's approval"]],
    [
      {
        type: 'pull_request',
        parameters: { required_review_thread_resolution: true, require_last_push_approval: true },
      },
      ['all review conversations resolved', 'approval of the last push by someone other than its author'],
    ],
    [{ type: 'pull_request', parameters: { required_approving_review_count: 2 } }, []],
    [{ type: 'required_signatures' }, ['signed commits']],
    [{ type: 'merge_queue', parameters: {} }, ['merging through the merge queue']],
    [
      { type: 'required_deployments', parameters: { required_deployment_environments: ['staging'] } },
      ['successful deployments to staging'],
    ],
    [{ type: 'required_status_checks', parameters: { required_status_checks: [] } }, []],
    [{ type: 'deletion' }, []],
  ])('%j requires %j', (rule, expected) => {
    expect(ruleRequirement(rule)).toEqual(expected);
  });
});
