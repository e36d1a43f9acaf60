import type { CiContext } from '@reletan/core';
import { describe, expect, it } from 'vitest';
import { lockHolderOf } from './stage-target.js';

describe('the deploy lock holder', () => {
  const ci = (overrides: Partial<CiContext>): CiContext => ({
    provider: 'github-actions',
    ci: true,
    repository: { owner: 'acme', name: 'shop', host: 'github.com' },
    branch: 'main',
    tag: null,
    sha: 'abc',
    pullRequest: null,
    pullRequests: [],
    buildUrl: 'https://github.com/acme/shop/actions/runs/1',
    warnings: [],
    ...overrides,
  });

  it('names the CI provider, repository and branch, and the build, for whoever finds the lock held', () => {
    expect(lockHolderOf(ci({}))).toEqual({
      holder: 'github-actions acme/shop main',
      ciBuildUrl: 'https://github.com/acme/shop/actions/runs/1',
    });
    expect(lockHolderOf(ci({ repository: null, branch: null, buildUrl: null }))).toEqual({
      holder: 'github-actions',
    });
  });

  it('names nobody outside CI, so the lock names user@host', () => {
    expect(lockHolderOf(ci({ ci: false }))).toEqual({});
  });
});
