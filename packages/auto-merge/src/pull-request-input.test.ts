import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeResult } from './describe-result.js';
import { resolveMergePolicy } from './merge-policy.js';
import { repositoryFromSetting, resolvePullRequestInput } from './pull-request-input.js';
import { actionsTokenWarning } from './token-warning.js';

const shop = { owner: 'acme', name: 'shop', host: 'github.com' };

describe('which pull request', () => {
  it('reads a PR URL, GitHub Enterprise included', () => {
    expect(resolvePullRequestInput('https://github.com/acme/shop/pull/42')).toEqual({
      owner: 'acme',
      repo: 'shop',
      number: 42,
      host: 'github.com',
      url: 'https://github.com/acme/shop/pull/42',
    });
    expect(resolvePullRequestInput(' https://ghe.acme.io/web/shop/pull/7/files ')).toMatchObject({
      host: 'ghe.acme.io',
      owner: 'web',
      repo: 'shop',
      number: 7,
      url: 'https://ghe.acme.io/web/shop/pull/7',
    });
  });

  it('reads a number (or #number) in the given repository', () => {
    expect(resolvePullRequestInput('42', shop)).toMatchObject({ owner: 'acme', repo: 'shop', number: 42 });
    expect(resolvePullRequestInput('#42', shop).url).toBe('https://github.com/acme/shop/pull/42');
  });

  it.each([
    ['https://github.com/acme/shop/issues/42', 'PR_URL_INVALID'],
    ['https://github.com/acme/shop', 'PR_URL_INVALID'],
    ['acme/shop#42', 'PR_INPUT_INVALID'],
    ['forty-two', 'PR_INPUT_INVALID'],
    ['0', 'PR_INPUT_INVALID'],
    ['', 'PR_INPUT_INVALID'],
  ])('rejects %j as bad input (exit 2)', (input, code) => {
    expect(() => resolvePullRequestInput(input, shop)).toThrow(
      expect.objectContaining({ code, kind: 'usage' }),
    );
  });

  it('needs a repository for a bare number', () => {
    expect(() => resolvePullRequestInput('42')).toThrow(
      expect.objectContaining({ code: 'PR_REPOSITORY_UNKNOWN', kind: 'usage' }),
    );
  });

  it('gives back the URL it was given, for any valid PR URL', () => {
    // GitHub's rules: owners are letters, digits and inner hyphens; repository names add "." and "_".
    const owner = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,13}[A-Za-z0-9])?$/);
    const name = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,15}$/);
    fc.assert(
      fc.property(
        owner,
        name,
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.constantFrom('github.com', 'ghe.acme.io'),
        (owner, repo, number, host) => {
          const url = `https://${host}/${owner}/${repo}/pull/${number}`;
          expect(resolvePullRequestInput(url)).toEqual({ owner, repo, number, host, url });
          expect(resolvePullRequestInput(String(number), { owner, name: repo, host }).url).toBe(url);
        },
      ),
    );
  });

  it('reads github.repository from the config', () => {
    expect(repositoryFromSetting('acme/shop')).toEqual(shop);
  });
});

describe("GitHub Actions' own token", () => {
  it('warns when a GitHub Actions job writes with an installation token', () => {
    expect(actionsTokenWarning('github-actions', 'ghs_abc')).toMatch(/starts no workflow run/);
    expect(actionsTokenWarning('github-actions', 'ghp_personal')).toBeUndefined();
    expect(actionsTokenWarning('circleci', 'ghs_abc')).toBeUndefined();
    expect(actionsTokenWarning('generic', 'ghs_abc')).toBeUndefined();
  });
});

describe('the human line', () => {
  it('says the outcome, the PR and the reason', () => {
    const base = { pr: 'https://github.com/acme/shop/pull/42', merged: false, sha: 'abc' };
    expect(describeResult({ ...base, action: 'merged', merged: true, reason: 'approved by alice' })).toBe(
      'merged https://github.com/acme/shop/pull/42: approved by alice',
    );
    expect(describeResult({ ...base, action: 'updated-branch', reason: 'behind' })).toBe(
      'updated branch https://github.com/acme/shop/pull/42: behind',
    );
    expect(describeResult({ ...base, action: 'merged', reason: 'would merge', dryRun: true })).toBe(
      'dry run https://github.com/acme/shop/pull/42: would merge',
    );
    expect(describeResult({ ...base, action: 'waiting', reason: 'it is a draft', dryRun: true })).toBe(
      'waiting https://github.com/acme/shop/pull/42: it is a draft',
    );
  });
});

describe('the policy', () => {
  it('fills in the defaults', () => {
    expect(resolveMergePolicy()).toEqual({
      method: 'merge',
      requiredApprovals: 1,
      skipLabel: 'automerge:skip',
      allowUnstable: false,
      updateBranch: false,
      deleteBranch: false,
      allowForks: false,
    });
  });

  it('rejects a bad one with the config path', () => {
    expect(() => resolveMergePolicy({ method: 'octopus' as 'merge' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', kind: 'usage' }),
    );
  });
});
