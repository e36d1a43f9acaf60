import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestRepo, makeTempDir, runNodeScript, type TempDir } from '@reletan/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('reletan-ci-');
});
afterEach(async () => {
  await dir.cleanup();
});

/** Runs reletan-ci with exactly these CI variables (nothing leaks in from the machine running the tests). */
const reletanCi = (args: string[], env: NodeJS.ProcessEnv) =>
  runNodeScript(bin, args, {
    cwd: dir.path,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });

const circleci = {
  CI: 'true',
  CIRCLECI: 'true',
  CIRCLE_PROJECT_USERNAME: 'acme',
  CIRCLE_PROJECT_REPONAME: 'shop',
  CIRCLE_BRANCH: 'feature/checkout',
  CIRCLE_SHA1: '0123456789abcdef0123456789abcdef01234567',
  CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/shop/812',
  CIRCLE_PULL_REQUEST: 'https://github.com/acme/shop/pull/31',
  CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/31',
};

describe('reletan-ci context', () => {
  it('reports a CircleCI PR build', async () => {
    const result = await reletanCi(['context', '--json'], circleci);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      provider: 'circleci',
      ci: true,
      repository: { owner: 'acme', name: 'shop', host: 'github.com' },
      branch: 'feature/checkout',
      tag: null,
      sha: '0123456789abcdef0123456789abcdef01234567',
      pullRequest: { number: 31, url: 'https://github.com/acme/shop/pull/31' },
      pullRequests: ['https://github.com/acme/shop/pull/31'],
      buildUrl: 'https://circleci.com/gh/acme/shop/812',
      warnings: [],
    });
  });

  it('reports a GitHub Actions pull_request run from its event payload', async () => {
    const event = path.join(dir.path, 'event.json');
    await writeFile(
      event,
      JSON.stringify({
        action: 'synchronize',
        pull_request: {
          number: 9,
          html_url: 'https://github.com/acme/shop/pull/9',
          head: { sha: 'feedface' },
        },
      }),
    );
    const result = await reletanCi(['context', '--json'], {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REF: 'refs/pull/9/merge',
      GITHUB_HEAD_REF: 'fix/typo',
      GITHUB_SHA: 'cafebabecafebabecafebabecafebabecafebabe',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_RUN_ID: '42',
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      provider: 'github-actions',
      ci: true,
      repository: { owner: 'acme', name: 'shop', host: 'github.com' },
      branch: 'fix/typo',
      tag: null,
      sha: 'cafebabecafebabecafebabecafebabecafebabe',
      pullRequest: { number: 9, url: 'https://github.com/acme/shop/pull/9', headSha: 'feedface' },
      pullRequests: ['https://github.com/acme/shop/pull/9'],
      buildUrl: 'https://github.com/acme/shop/actions/runs/42',
      warnings: [],
    });
  });

  it('reports a GitHub Actions tag push', async () => {
    const result = await reletanCi(['context', '--json'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_REF: 'refs/tags/v3.1.0',
      GITHUB_SHA: 'abc',
    });
    expect(JSON.parse(result.stdout)).toMatchObject({ tag: 'v3.1.0', branch: null, pullRequest: null });
  });

  it('will not guess between several CircleCI PRs, and says so', async () => {
    const result = await reletanCi(['context', '--json'], {
      ...circleci,
      CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/31,https://github.com/acme/shop/pull/35',
    });
    expect(result.exitCode).toBe(0);
    const context = JSON.parse(result.stdout);
    expect(context.pullRequest).toBeNull();
    expect(context.pullRequests).toHaveLength(2);
    expect(result.stderr).toContain('will not guess');
  });

  it('exits 2 naming the variable when CIRCLE_PULL_REQUEST is not a PR URL', async () => {
    const result = await reletanCi(['context'], {
      ...circleci,
      CIRCLE_PULL_REQUESTS: '',
      CIRCLE_PULL_REQUEST: 'https://example.com/x',
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('CIRCLE_PULL_REQUEST is not a pull request URL');
  });

  it('reads a generic CI build from git', async () => {
    const repo = await createTestRepo({ branch: 'develop' });
    try {
      await repo.git.run(['remote', 'set-url', 'origin', 'https://github.com/acme/shop.git']);
      const sha = await repo.git.output(['rev-parse', 'HEAD']);
      const result = await runNodeScript(bin, ['context', '--json'], {
        cwd: repo.dir,
        env: { PATH: process.env.PATH, CI: 'true', BUILD_URL: 'https://jenkins.acme.io/job/7' },
      });
      expect(JSON.parse(result.stdout)).toMatchObject({
        provider: 'generic',
        ci: true,
        repository: { owner: 'acme', name: 'shop' },
        branch: 'develop',
        sha,
        buildUrl: 'https://jenkins.acme.io/job/7',
      });
    } finally {
      await repo.cleanup();
    }
  });

  it('prints aligned lines without --json', async () => {
    const result = await reletanCi(['context'], circleci);
    expect(result.stdout).toContain('provider     circleci\n');
    expect(result.stdout).toContain('pull request https://github.com/acme/shop/pull/31\n');
    expect(result.stdout).toContain('tag          -\n');
  });
});

describe('reletan-ci help', () => {
  it('lists only the commands that exist', async () => {
    const result = await reletanCi(['--help'], {});
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Commands:\n\s+context\s/);
  });
});
