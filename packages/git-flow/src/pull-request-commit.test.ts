import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isExcludedAuthor, type LogCommit, parsePullRequestCommit } from './pull-request-commit.js';

const commit = (subject: string, extra: Partial<LogCommit> = {}): LogCommit => ({
  sha: 'a'.repeat(40),
  subject,
  body: '',
  authorName: 'Dev',
  authorEmail: 'dev@example.com',
  ...extra,
});

// A pull request title as GitHub allows it: one line, not blank at either end.
const title = fc
  .string({ minLength: 1, maxLength: 80 })
  .map((text) => text.replace(/[\r\n]/g, ' ').trim())
  .filter((text) => text !== '');
const number = fc.integer({ min: 1, max: 999_999 });
const owner = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/);
const branch = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}(\/[A-Za-z0-9._-]{1,20}){0,2}$/);

describe('merge commits ("Merge pull request #N from owner/branch")', () => {
  it('reads the number, the head branch and the title from the body', () => {
    fc.assert(
      fc.property(number, owner, branch, title, (n, who, head, text) => {
        const parsed = parsePullRequestCommit(
          commit(`Merge pull request #${n} from ${who}/${head}`, { body: `\n${text}\n\nmore detail\n` }),
        );
        expect(parsed).toEqual({ number: n, title: text, kind: 'merge', headBranch: head });
      }),
    );
  });

  it('falls back to the branch name when the body is empty', () => {
    expect(parsePullRequestCommit(commit('Merge pull request #7 from acme/feature/cart'))).toEqual({
      number: 7,
      title: 'feature/cart',
      kind: 'merge',
      headBranch: 'feature/cart',
    });
  });
});

describe('squash commits ("Title (#N)")', () => {
  it('reads the number and the title', () => {
    fc.assert(
      fc.property(title, number, (text, n) => {
        const parsed = parsePullRequestCommit(commit(`${text} (#${n})`));
        expect(parsed?.number).toBe(n);
        expect(parsed?.kind).toBe('squash');
        // A title that itself ends in "(#M)" is still split at the last reference.
        expect(`${parsed?.title} (#${parsed?.number})`).toBe(`${text} (#${n})`);
      }),
    );
  });

  it('takes the author login from GitHub no-reply addresses, bots included', () => {
    expect(
      parsePullRequestCommit(
        commit('Add cart (#12)', { authorEmail: '1234567+alice-dev@users.noreply.github.com' }),
      )?.authorLogin,
    ).toBe('alice-dev');
    expect(
      parsePullRequestCommit(
        commit('Bump lodash from 4.17.20 to 4.17.21 (#13)', {
          authorName: 'dependabot[bot]',
          authorEmail: '49699333+dependabot[bot]@users.noreply.github.com',
        }),
      )?.authorLogin,
    ).toBe('dependabot[bot]');
    expect(parsePullRequestCommit(commit('Add cart (#12)'))?.authorLogin).toBeUndefined();
  });
});

describe('commits that are not pull requests', () => {
  it.each([
    "Merge tag 'v1.2.0' into develop",
    "Merge branch 'release/1.2.0'",
    "Merge branch 'hotfix/1.2.1' into develop",
    "Merge branch 'develop' of github.com:acme/shop into develop",
    'Bump version to 1.2.0',
    'Release 1.2.0',
    'Fix #12 in the cart',
    'Add cart (#0)',
    'Add cart (#12) and more',
    '(#12)',
    'Merge pull request from acme/x',
  ])('%j', (subject) => {
    expect(parsePullRequestCommit(commit(subject, { body: 'Something' }))).toBeUndefined();
  });

  it('never reads a pull request from a subject without "(#N)" or GitHub\'s merge line', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !/\(#\d+\)\s*$/.test(text) && !text.startsWith('Merge pull request #')),
        (subject) => parsePullRequestCommit(commit(subject)) === undefined,
      ),
    );
  });
});

describe('excluded authors', () => {
  it('leaves out bots and the configured logins, case-insensitively', () => {
    expect(isExcludedAuthor('dependabot[bot]', [])).toBe(true);
    expect(isExcludedAuthor('Renovate[Bot]', [])).toBe(true);
    expect(isExcludedAuthor('ci-robot', ['CI-Robot'])).toBe(true);
    expect(isExcludedAuthor('alice', ['bob'])).toBe(false);
    expect(isExcludedAuthor(undefined, ['bob'])).toBe(false);
  });
});
