import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCiContext, requirePullRequest } from './ci-context.js';
import { isReletanError } from './errors.js';
import { createGitRunner } from './git.js';

const circleEnv = {
  CI: 'true',
  CIRCLECI: 'true',
  CIRCLE_PROJECT_USERNAME: 'acme',
  CIRCLE_PROJECT_REPONAME: 'shop',
  CIRCLE_REPOSITORY_URL: 'git@github.com:acme/shop.git',
  CIRCLE_BRANCH: 'feature/cart',
  CIRCLE_SHA1: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/shop/1234',
  CIRCLE_PULL_REQUEST: 'https://github.com/acme/shop/pull/42',
  CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/42',
};

describe('CircleCI', () => {
  it('reads repository, branch, sha, PR and build URL', async () => {
    expect(await detectCiContext({ env: circleEnv })).toEqual({
      provider: 'circleci',
      ci: true,
      repository: { owner: 'acme', name: 'shop', host: 'github.com' },
      branch: 'feature/cart',
      tag: null,
      sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      pullRequest: { number: 42, url: 'https://github.com/acme/shop/pull/42' },
      pullRequests: ['https://github.com/acme/shop/pull/42'],
      buildUrl: 'https://circleci.com/gh/acme/shop/1234',
      warnings: [],
    });
  });

  it('reads a tag build', async () => {
    const env = {
      ...circleEnv,
      CIRCLE_BRANCH: '',
      CIRCLE_TAG: 'v1.4.0',
      CIRCLE_PULL_REQUEST: '',
      CIRCLE_PULL_REQUESTS: '',
    };
    const context = await detectCiContext({ env });
    expect(context.tag).toBe('v1.4.0');
    expect(context.branch).toBeNull();
    expect(context.pullRequest).toBeNull();
  });

  it('refuses to guess when the build belongs to several PRs', async () => {
    const env = {
      ...circleEnv,
      CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/42,https://github.com/acme/shop/pull/57',
    };
    const context = await detectCiContext({ env });
    expect(context.pullRequest).toBeNull();
    expect(context.pullRequests).toEqual([
      'https://github.com/acme/shop/pull/42',
      'https://github.com/acme/shop/pull/57',
    ]);
    expect(context.warnings[0]).toContain('will not guess');
    try {
      requirePullRequest(context);
      expect.unreachable();
    } catch (error) {
      expect(isReletanError(error) && error.code === 'CI_PR_AMBIGUOUS' && error.kind === 'usage').toBe(true);
    }
  });

  it('builds the PR URL of a forked PR from CIRCLE_PR_NUMBER', async () => {
    const env = { ...circleEnv, CIRCLE_PULL_REQUEST: '', CIRCLE_PULL_REQUESTS: '', CIRCLE_PR_NUMBER: '77' };
    expect((await detectCiContext({ env })).pullRequest).toEqual({
      number: 77,
      url: 'https://github.com/acme/shop/pull/77',
    });
  });

  it('rejects a CIRCLE_PULL_REQUEST that is not a PR URL, naming the variable', async () => {
    const env = {
      ...circleEnv,
      CIRCLE_PULL_REQUESTS: '',
      CIRCLE_PULL_REQUEST: 'https://github.com/acme/shop/issues/1',
    };
    await expect(detectCiContext({ env })).rejects.toMatchObject({
      code: 'CI_PR_INVALID',
      kind: 'usage',
      input: { key: 'CIRCLE_PULL_REQUEST' },
    });
  });
});

describe('GitHub Actions', () => {
  const base = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff',
    GITHUB_RUN_ID: '987654',
    GITHUB_RUN_ATTEMPT: '1',
  };

  it('reads a push to a branch', async () => {
    const context = await detectCiContext({
      env: { ...base, GITHUB_REF: 'refs/heads/develop', GITHUB_EVENT_NAME: 'push' },
    });
    expect(context).toMatchObject({
      provider: 'github-actions',
      repository: { owner: 'acme', name: 'shop', host: 'github.com' },
      branch: 'develop',
      tag: null,
      sha: base.GITHUB_SHA,
      pullRequest: null,
      buildUrl: 'https://github.com/acme/shop/actions/runs/987654',
    });
  });

  it('reads a tag push', async () => {
    const context = await detectCiContext({ env: { ...base, GITHUB_REF: 'refs/tags/v2.0.0' } });
    expect(context.tag).toBe('v2.0.0');
    expect(context.branch).toBeNull();
  });

  it('reads a pull_request event from its payload, with the head sha', async () => {
    const payload = {
      pull_request: {
        number: 12,
        html_url: 'https://github.com/acme/shop/pull/12',
        head: { sha: 'abc123', ref: 'feature/x' },
      },
    };
    const context = await detectCiContext({
      env: {
        ...base,
        GITHUB_REF: 'refs/pull/12/merge',
        GITHUB_HEAD_REF: 'feature/x',
        GITHUB_EVENT_PATH: '/event.json',
        GITHUB_RUN_ATTEMPT: '2',
      },
      readFile: async (file) => {
        expect(file).toBe('/event.json');
        return JSON.stringify(payload);
      },
    });
    expect(context.branch).toBe('feature/x');
    expect(context.pullRequest).toEqual({
      number: 12,
      url: 'https://github.com/acme/shop/pull/12',
      headSha: 'abc123',
    });
    expect(context.buildUrl).toBe('https://github.com/acme/shop/actions/runs/987654/attempts/2');
  });

  describe('a workflow_run event (a workflow that runs when CI finishes)', () => {
    // As GitHub sends it: the job runs on the default branch; the run that finished checked head_sha.
    const workflowRun = (pullRequests: { number: number; headSha: string }[]) => ({
      action: 'completed',
      workflow_run: {
        id: 30433642,
        name: 'CI',
        event: 'pull_request',
        status: 'completed',
        conclusion: 'success',
        head_branch: 'feature/cart',
        head_sha: 'a'.repeat(40),
        pull_requests: pullRequests.map(({ number, headSha }) => ({
          url: `https://api.github.com/repos/acme/shop/pulls/${number}`,
          id: 1000 + number,
          number,
          head: {
            ref: 'feature/cart',
            sha: headSha,
            repo: { id: 1, url: 'https://api.github.com/repos/acme/shop', name: 'shop' },
          },
          base: {
            ref: 'develop',
            sha: 'c'.repeat(40),
            repo: { id: 1, url: 'https://api.github.com/repos/acme/shop', name: 'shop' },
          },
        })),
      },
    });
    const detect = (payload: unknown) =>
      detectCiContext({
        env: {
          ...base,
          GITHUB_EVENT_NAME: 'workflow_run',
          GITHUB_REF: 'refs/heads/main',
          GITHUB_EVENT_PATH: '/event.json',
        },
        readFile: async () => JSON.stringify(payload),
      });

    it('takes its one PR, with the head sha the finished run checked (not the PR head now)', async () => {
      const context = await detect(workflowRun([{ number: 31, headSha: 'b'.repeat(40) }]));
      expect(context.pullRequest).toEqual({
        number: 31,
        url: 'https://github.com/acme/shop/pull/31',
        headSha: 'a'.repeat(40),
      });
      expect(context.pullRequests).toEqual(['https://github.com/acme/shop/pull/31']);
      expect(context.branch).toBe('main');
      expect(context.warnings).toEqual([]);
    });

    it('refuses to guess when the run belongs to several PRs, and lists them', async () => {
      const context = await detect(
        workflowRun([
          { number: 31, headSha: 'a'.repeat(40) },
          { number: 35, headSha: 'a'.repeat(40) },
        ]),
      );
      expect(context.pullRequest).toBeNull();
      expect(context.pullRequests).toEqual([
        'https://github.com/acme/shop/pull/31',
        'https://github.com/acme/shop/pull/35',
      ]);
      expect(context.warnings[0]).toContain('will not guess');
      expect(() => requirePullRequest(context)).toThrow(
        expect.objectContaining({ code: 'CI_PR_AMBIGUOUS', kind: 'usage' }),
      );
    });

    it('has no PR when the run lists none (a fork, or a push)', async () => {
      const context = await detect(workflowRun([]));
      expect(context.pullRequest).toBeNull();
      expect(context.pullRequests).toEqual([]);
      expect(() => requirePullRequest(context)).toThrow(expect.objectContaining({ code: 'CI_PR_MISSING' }));
    });
  });

  it('falls back to the PR number in GITHUB_REF, on a GitHub Enterprise server', async () => {
    const context = await detectCiContext({
      env: { ...base, GITHUB_SERVER_URL: 'https://ghe.acme.io', GITHUB_REF: 'refs/pull/5/merge' },
    });
    expect(context.repository?.host).toBe('ghe.acme.io');
    expect(context.pullRequest).toEqual({ number: 5, url: 'https://ghe.acme.io/acme/shop/pull/5' });
  });

  it('warns, and carries on, when the event payload cannot be read', async () => {
    const context = await detectCiContext({
      env: { ...base, GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_PATH: '/missing.json' },
      readFile: async () => {
        throw new Error('ENOENT');
      },
    });
    expect(context.branch).toBe('main');
    expect(context.warnings[0]).toContain('/missing.json');
  });
});

describe('another CI, or a terminal', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await mkdtemp(path.join(tmpdir(), 'reletan-ci-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, stdio: 'pipe' }).toString().trim();
    git('init', '-q', '-b', 'develop');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'T');
    await writeFile(path.join(repo, 'a.txt'), 'a');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
    git('remote', 'add', 'origin', 'git@github.com:acme/shop.git');
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('reads branch, sha, tag and repository from git', async () => {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();
    const context = await detectCiContext({
      env: { CI: 'true', BUILD_URL: 'https://ci.acme.io/1' },
      git: createGitRunner({ cwd: repo }),
    });
    expect(context).toEqual({
      provider: 'generic',
      ci: true,
      repository: { owner: 'acme', name: 'shop', host: 'github.com' },
      branch: 'develop',
      tag: 'v1.0.0',
      sha,
      pullRequest: null,
      pullRequests: [],
      buildUrl: 'https://ci.acme.io/1',
      warnings: [],
    });
  });

  it('reports nulls outside a git repository instead of failing', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'reletan-nogit-'));
    const context = await detectCiContext({
      env: { GIT_CEILING_DIRECTORIES: path.dirname(empty) },
      cwd: empty,
    });
    expect(context).toMatchObject({
      provider: 'generic',
      ci: false,
      branch: null,
      sha: null,
      repository: null,
    });
    await rm(empty, { recursive: true, force: true });
  });

  it('says there is no PR to act on', async () => {
    const context = await detectCiContext({ env: {}, git: createGitRunner({ cwd: repo }) });
    expect(() => requirePullRequest(context)).toThrow(/no pull request found/);
  });
});
