import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger, type OutputStream } from '@reletan/core';
import { createTestRepo, makeTempDir } from '@reletan/core/testing';
import { describe, expect, it } from 'vitest';
import { findPullRequest } from './find-pull-request.js';

const circleci = {
  CI: 'true',
  CIRCLECI: 'true',
  CIRCLE_PROJECT_USERNAME: 'acme',
  CIRCLE_PROJECT_REPONAME: 'shop',
  CIRCLE_PULL_REQUEST: 'https://github.com/acme/shop/pull/31',
};

describe('the PR of a CI build', () => {
  it("takes CircleCI's CIRCLE_PULL_REQUEST", async () => {
    expect(await findPullRequest({ env: circleci })).toMatchObject({
      owner: 'acme',
      repo: 'shop',
      number: 31,
    });
  });

  it('refuses to guess between several CircleCI PRs (exit 2)', async () => {
    const chunks: string[] = [];
    const sink: OutputStream = { write: (chunk: string) => chunks.push(chunk) };
    const logger = createLogger({ stdout: sink, stderr: sink, env: {} });
    await expect(
      findPullRequest({
        env: {
          ...circleci,
          CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/31,https://github.com/acme/shop/pull/35',
        },
        logger,
      }),
    ).rejects.toMatchObject({ code: 'CI_PR_AMBIGUOUS', kind: 'usage' });
    expect(chunks.join('')).toBe('');
  });

  it('is a usage error when the build has no PR', async () => {
    await expect(findPullRequest({ env: { ...circleci, CIRCLE_PULL_REQUEST: '' } })).rejects.toMatchObject({
      code: 'CI_PR_MISSING',
      kind: 'usage',
    });
  });

  it("takes GitHub Actions' event payload", async () => {
    const dir = await makeTempDir();
    try {
      const event = path.join(dir.path, 'event.json');
      await writeFile(
        event,
        JSON.stringify({
          pull_request: {
            number: 9,
            html_url: 'https://github.com/acme/shop/pull/9',
            head: { sha: 'feedface' },
          },
        }),
      );
      const found = await findPullRequest({
        env: {
          GITHUB_ACTIONS: 'true',
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_EVENT_PATH: event,
          // The merge ref's commit, not the PR head: never the expected head.
          GITHUB_SHA: 'deadbeef',
        },
      });
      expect(found).toMatchObject({ owner: 'acme', repo: 'shop', number: 9, expectedHeadSha: 'feedface' });
    } finally {
      await dir.cleanup();
    }
  });

  it("takes GitHub Actions' refs/pull/N/merge without a payload, on GitHub Enterprise too", async () => {
    const found = await findPullRequest({
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'web/shop',
        GITHUB_SERVER_URL: 'https://ghe.acme.io',
        GITHUB_REF: 'refs/pull/12/merge',
      },
    });
    expect(found).toEqual({
      owner: 'web',
      repo: 'shop',
      number: 12,
      host: 'ghe.acme.io',
      url: 'https://ghe.acme.io/web/shop/pull/12',
    });
  });
});

describe('--pr', () => {
  it('takes a URL as it is, whatever the CI says', async () => {
    const found = await findPullRequest({
      input: 'https://github.com/other/repo/pull/5',
      env: { ...circleci, CIRCLE_SHA1: 'c'.repeat(40) },
    });
    expect(found).toEqual({
      owner: 'other',
      repo: 'repo',
      number: 5,
      host: 'github.com',
      url: 'https://github.com/other/repo/pull/5',
    });
  });

  it("puts a number in the config's repository first", async () => {
    const found = await findPullRequest({ input: '7', repository: 'acme/admin', env: circleci });
    expect(found.url).toBe('https://github.com/acme/admin/pull/7');
  });

  it("puts a number in the CI's repository without a config", async () => {
    expect((await findPullRequest({ input: '7', env: circleci })).url).toBe(
      'https://github.com/acme/shop/pull/7',
    );
  });

  it("puts a number in git origin's repository outside CI", async () => {
    const repo = await createTestRepo();
    try {
      await repo.git.run(['remote', 'set-url', 'origin', 'git@github.com:acme/storefront.git']);
      const found = await findPullRequest({ input: '#8', env: { PATH: process.env.PATH }, cwd: repo.dir });
      expect(found.url).toBe('https://github.com/acme/storefront/pull/8');
    } finally {
      await repo.cleanup();
    }
  });

  it('is a usage error for a number with no repository anywhere', async () => {
    const dir = await makeTempDir();
    try {
      await expect(
        findPullRequest({ input: '8', env: { PATH: process.env.PATH }, cwd: dir.path }),
      ).rejects.toMatchObject({ code: 'PR_REPOSITORY_UNKNOWN', kind: 'usage' });
    } finally {
      await dir.cleanup();
    }
  });
});
