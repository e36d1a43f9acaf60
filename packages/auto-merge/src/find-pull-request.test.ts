import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { captureLogger, createTestRepo, makeTempDir } from '@reletan/core/testing';
import { describe, expect, it } from 'vitest';
import { findPullRequest } from './find-pull-request.js';

const CHECKED = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

/** A GitHub Actions `workflow_run` job: the run that finished checked CHECKED, for these PRs. */
async function withWorkflowRun<T>(numbers: number[], use: (env: NodeJS.ProcessEnv) => Promise<T>) {
  const dir = await makeTempDir();
  try {
    const event = path.join(dir.path, 'event.json');
    await writeFile(
      event,
      JSON.stringify({
        action: 'completed',
        workflow_run: {
          head_sha: CHECKED,
          conclusion: 'success',
          pull_requests: numbers.map((number) => ({
            url: `https://api.github.com/repos/acme/shop/pulls/${number}`,
            id: number,
            number,
            head: { ref: 'feature/cart', sha: OTHER, repo: { id: 1, name: 'shop' } },
            base: { ref: 'develop', sha: 'c'.repeat(40), repo: { id: 1, name: 'shop' } },
          })),
        },
      }),
    );
    return await use({
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'd'.repeat(40),
    });
  } finally {
    await dir.cleanup();
  }
}

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
    const { logger, output } = captureLogger({ level: 'info' });
    await expect(
      findPullRequest({
        env: {
          ...circleci,
          CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/31,https://github.com/acme/shop/pull/35',
        },
        logger,
      }),
    ).rejects.toMatchObject({ code: 'CI_PR_AMBIGUOUS', kind: 'usage' });
    expect(output()).toBe('');
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

describe('the commit the build checked', () => {
  it("pins a workflow_run job's PR to the head sha the finished run tested", async () => {
    const found = await withWorkflowRun([31], (env) => findPullRequest({ env }));
    expect(found).toMatchObject({ number: 31, expectedHeadSha: CHECKED });
  });

  it("keeps it when --pr names the build's own PR, by number or URL", async () => {
    const circle = { ...circleci, CIRCLE_SHA1: CHECKED };
    expect(await findPullRequest({ input: '31', env: circle })).toMatchObject({ expectedHeadSha: CHECKED });
    expect(
      await findPullRequest({ input: 'https://GitHub.com/Acme/shop/pull/31/files', env: circle }),
    ).toMatchObject({ expectedHeadSha: CHECKED });
    expect(await findPullRequest({ input: '31', repository: 'acme/shop', env: circle })).toMatchObject({
      expectedHeadSha: CHECKED,
    });
    const fromWorkflowRun = await withWorkflowRun([31], (env) => findPullRequest({ input: '31', env }));
    expect(fromWorkflowRun.expectedHeadSha).toBe(CHECKED);
  });

  it("keeps CircleCI's sha when --pr picks one of the build's several PRs", async () => {
    const found = await findPullRequest({
      input: '35',
      env: {
        ...circleci,
        CIRCLE_SHA1: CHECKED,
        CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/31,https://github.com/acme/shop/pull/35',
      },
    });
    expect(found).toMatchObject({ number: 35, expectedHeadSha: CHECKED });
  });

  it('refuses (exit 2) --pr picking one of several workflow_run PRs without --expected-sha', async () => {
    await withWorkflowRun([31, 35], async (env) => {
      await expect(findPullRequest({ env })).rejects.toMatchObject({
        code: 'CI_PR_AMBIGUOUS',
        kind: 'usage',
      });
      await expect(findPullRequest({ input: '35', env })).rejects.toMatchObject({
        code: 'CI_SHA_UNKNOWN',
        kind: 'usage',
        // The option as an action the bins spell (`pass --expected-sha SHA`).
        actions: { expected: expect.objectContaining({ type: 'option', name: 'expectedSha' }) },
      });
      expect(await findPullRequest({ input: '35', expectedSha: CHECKED, env })).toMatchObject({
        number: 35,
        expectedHeadSha: CHECKED,
      });
    });
  });

  it("does not apply to another PR than the build's", async () => {
    const found = await findPullRequest({ input: '7', env: { ...circleci, CIRCLE_SHA1: CHECKED } });
    expect(found.expectedHeadSha).toBeUndefined();
  });
});

describe('--expected-sha', () => {
  it('pins any PR to the commit given', async () => {
    const found = await findPullRequest({
      input: 'https://github.com/other/repo/pull/5',
      expectedSha: CHECKED.toUpperCase(),
      env: {},
    });
    expect(found).toMatchObject({ number: 5, expectedHeadSha: CHECKED });
  });

  it("agrees with the build's own commit, or is a usage error", async () => {
    const circle = { ...circleci, CIRCLE_SHA1: CHECKED };
    expect(await findPullRequest({ expectedSha: CHECKED, env: circle })).toMatchObject({
      expectedHeadSha: CHECKED,
    });
    await expect(findPullRequest({ expectedSha: OTHER, env: circle })).rejects.toMatchObject({
      code: 'EXPECTED_SHA_CONFLICT',
      kind: 'usage',
    });
    await withWorkflowRun([31], async (env) => {
      await expect(findPullRequest({ input: '31', expectedSha: OTHER, env })).rejects.toMatchObject({
        code: 'EXPECTED_SHA_CONFLICT',
      });
    });
  });

  it.each(['abc1234', 'main', `${CHECKED}0`, ''])(
    'is a usage error for %j, which is not a full sha',
    async (sha) => {
      await expect(findPullRequest({ input: '7', expectedSha: sha, env: circleci })).rejects.toMatchObject({
        code: 'EXPECTED_SHA_INVALID',
        kind: 'usage',
        input: { key: '--expected-sha' },
      });
    },
  );
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
