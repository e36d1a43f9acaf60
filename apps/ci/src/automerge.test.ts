import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_HEAD_SHA,
  type FakeGitHub,
  mergeResultBody,
  pullRequestBody,
  reviewBody,
  startFakeGitHub,
} from '@reletan/auto-merge/testing';
import type { GlobalOptions } from '@reletan/cli-kit';
import { makeTempDir, runNodeScript, type TempDir } from '@reletan/core/testing';
import nock from 'nock';
import { runAutomergeInProcess } from 'reletan/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AutomergeOptions } from './commands/automerge.js';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const API = 'https://api.github.com';
const HEAD = DEFAULT_HEAD_SHA;
const TOKEN = 'ghp_ciAutomergeSecret0123456789';
const PR_PATH = '/repos/acme/shop/pulls/31';

let dir: TempDir;
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
beforeEach(async () => {
  dir = await makeTempDir('reletan-ci-automerge-');
});
afterEach(async () => {
  nock.cleanAll();
  await dir.cleanup();
});

const circleci = {
  CI: 'true',
  CIRCLECI: 'true',
  CIRCLE_PROJECT_USERNAME: 'acme',
  CIRCLE_PROJECT_REPONAME: 'shop',
  CIRCLE_BRANCH: 'feature/cart',
  CIRCLE_SHA1: HEAD,
  CIRCLE_PULL_REQUEST: 'https://github.com/acme/shop/pull/31',
  GITHUB_TOKEN: TOKEN,
};

/** `reletan-ci automerge` in this process, with nock as GitHub (see runAutomergeInProcess). */
const reletanCi = (options: AutomergeOptions, env: NodeJS.ProcessEnv, globals?: GlobalOptions) =>
  runAutomergeInProcess(options, { env, cwd: dir.path, ...(globals ? { globals } : {}) });

function pullRequest31(pr: Parameters<typeof pullRequestBody>[0] = {}, reviews?: unknown[]) {
  return nock(API)
    .get(PR_PATH)
    .reply(200, pullRequestBody({ number: 31, ...pr }))
    .get(`${PR_PATH}/reviews`)
    .query(true)
    .reply(200, reviews ?? [reviewBody({ id: 1, login: 'alice', state: 'APPROVED', number: 31 })]);
}

describe('reletan-ci automerge on CircleCI', () => {
  it("merges the build's PR pinned to the checked sha and prints one JSON document", async () => {
    let body: unknown;
    const scope = pullRequest31()
      .put(`${PR_PATH}/merge`)
      .reply(200, (_uri, requestBody) => {
        body = requestBody;
        return mergeResultBody();
      });
    const result = await reletanCi({}, circleci);
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(body).toEqual({ sha: HEAD, merge_method: 'merge' });
    expect(result.json()).toEqual({
      pr: 'https://github.com/acme/shop/pull/31',
      action: 'merged',
      merged: true,
      reason: 'approved by alice; checks passed; merged head 6dcb09b with merge as e5bd391',
      sha: HEAD,
    });
  });

  it('prints one human line without --json', async () => {
    const scope = pullRequest31().put(`${PR_PATH}/merge`).reply(200, mergeResultBody());
    const result = await reletanCi({}, circleci, {});
    scope.done();
    expect(result.stdout).toBe(
      'merged https://github.com/acme/shop/pull/31: approved by alice; checks passed; merged head 6dcb09b with merge as e5bd391\n',
    );
  });

  it('takes the policy from the config: squash, two approvals', async () => {
    await writeFile(
      path.join(dir.path, 'reletan.config.json'),
      JSON.stringify({ automerge: { method: 'squash', requiredApprovals: 2 } }),
    );
    const waiting = pullRequest31();
    expect((await reletanCi({}, circleci)).json()).toMatchObject({
      action: 'waiting',
      reason: 'needs 2 approvals, has 1 (alice)',
    });
    waiting.done();

    let body: unknown;
    const merging = pullRequest31({}, [
      reviewBody({ id: 1, login: 'alice', state: 'APPROVED', number: 31 }),
      reviewBody({ id: 2, login: 'bob', state: 'APPROVED', number: 31 }),
    ])
      .put(`${PR_PATH}/merge`)
      .reply(200, (_uri, requestBody) => {
        body = requestBody;
        return mergeResultBody();
      });
    expect((await reletanCi({}, circleci)).exitCode).toBe(0);
    merging.done();
    expect(body).toEqual({ sha: HEAD, merge_method: 'squash' });
  });

  it.each([
    ['dev', 'it is a long-lived branch'],
    ['rel/2.0', 'branches under rel/ are long-lived'],
  ])("never deletes the config's long-lived branch %s after merging it", async (headRef, kept) => {
    await writeFile(
      path.join(dir.path, 'reletan.config.json'),
      JSON.stringify({
        automerge: { deleteBranch: true },
        git: { developBranch: 'dev', releasePrefix: 'rel/' },
      }),
    );
    // No DELETE (nor the list of dependent PRs) is intercepted: either would fail the run.
    const scope = pullRequest31({ headRef, baseRef: 'main' })
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    const result = await reletanCi({}, circleci);
    scope.done();
    expect(result.json()).toMatchObject({
      action: 'merged',
      merged: true,
      reason: expect.stringContaining(`; kept branch ${headRef}: ${kept}`),
    });
  });

  it('exits 0 with "waiting" for a PR GitHub is still computing, after re-reading it with backoff', async () => {
    const scope = nock(API)
      .get(PR_PATH)
      .times(5)
      .reply(200, pullRequestBody({ number: 31, mergeable: null, mergeableState: 'unknown' }))
      .get(`${PR_PATH}/reviews`)
      .query(true)
      .reply(200, [reviewBody({ id: 1, login: 'alice', state: 'APPROVED', number: 31 })]);
    const result = await reletanCi({}, circleci);
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(result.sleeps).toEqual([2000, 4000, 8000, 16000]);
    expect(result.json()).toMatchObject({ action: 'waiting', merged: false, sha: HEAD });
  });

  it.each([
    [409, 'Head branch was modified. Review and try the merge again.'],
    [405, 'Pull Request is not mergeable'],
  ])('exits 0 with "waiting" when the merge answers %i', async (status, message) => {
    const scope = pullRequest31().put(`${PR_PATH}/merge`).reply(status, { message });
    if (status === 405) scope.get(PR_PATH).reply(200, pullRequestBody({ number: 31 }));
    const result = await reletanCi({}, circleci);
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({
      action: 'waiting',
      merged: false,
      reason: expect.stringContaining(message),
    });
  });

  it('exits 2 naming automerge.method when the repository does not allow the method', async () => {
    await writeFile(
      path.join(dir.path, 'reletan.config.json'),
      JSON.stringify({ automerge: { method: 'squash' } }),
    );
    const scope = pullRequest31()
      .put(`${PR_PATH}/merge`)
      .reply(405, { message: 'Squash merges are not allowed on this repository.' });
    const result = await reletanCi({}, circleci, {});
    scope.done();
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('automerge.method');
    expect(result.stderr).toContain('Squash merges are not allowed on this repository.');
  });

  it('does not merge a head pushed after the commit this build checked', async () => {
    const scope = pullRequest31();
    const result = await reletanCi(
      {},
      { ...circleci, CIRCLE_SHA1: '0123456789abcdef0123456789abcdef01234567' },
    );
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({
      action: 'waiting',
      merged: false,
      reason: 'its head is 6dcb09b, not 0123456 that this build checked; the build of the new head decides',
    });
  });

  it('exits 0 with "skipped" for a fork PR', async () => {
    const scope = pullRequest31({ fork: 'stranger/shop' });
    const result = await reletanCi({}, circleci);
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({ action: 'skipped', merged: false });
  });

  it('decides but writes nothing with --dry-run', async () => {
    const scope = pullRequest31();
    const result = await reletanCi({ dryRun: true }, circleci);
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({ action: 'merged', merged: false, dryRun: true });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('reletan-ci automerge on GitHub Actions', () => {
  it("merges the event's PR and warns that the job's GITHUB_TOKEN starts no workflows", async () => {
    const event = path.join(dir.path, 'event.json');
    await writeFile(
      event,
      JSON.stringify({
        action: 'submitted',
        pull_request: { number: 31, html_url: 'https://github.com/acme/shop/pull/31', head: { sha: HEAD } },
      }),
    );
    const scope = pullRequest31().put(`${PR_PATH}/merge`).reply(200, mergeResultBody());
    const result = await reletanCi(
      {},
      {
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_EVENT_PATH: event,
        GITHUB_API_URL: API,
        GITHUB_TOKEN: 'ghs_jobTokenFromActions123',
      },
    );
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({ action: 'merged', merged: true });
    expect(result.stderr).toContain("warning the token looks like GitHub Actions' GITHUB_TOKEN");
    expect(result.stderr + result.stdout).not.toContain('ghs_jobTokenFromActions123');
  });

  describe('a workflow_run job (CI finished green on a commit)', () => {
    const TESTED = '0123456789abcdef0123456789abcdef01234567';
    async function workflowRunEnv() {
      const event = path.join(dir.path, 'event.json');
      // GitHub's workflow_run payload: the run that finished tested TESTED; the PR's head is now HEAD.
      await writeFile(
        event,
        JSON.stringify({
          action: 'completed',
          workflow_run: {
            id: 30433642,
            name: 'CI',
            event: 'pull_request',
            conclusion: 'success',
            head_branch: 'feature/cart',
            head_sha: TESTED,
            pull_requests: [
              {
                url: 'https://api.github.com/repos/acme/shop/pulls/31',
                id: 1031,
                number: 31,
                head: { ref: 'feature/cart', sha: TESTED, repo: { id: 1, name: 'shop' } },
                base: { ref: 'develop', sha: 'c'.repeat(40), repo: { id: 1, name: 'shop' } },
              },
            ],
          },
        }),
      );
      return {
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_EVENT_NAME: 'workflow_run',
        GITHUB_EVENT_PATH: event,
        GITHUB_REF: 'refs/heads/main',
        GITHUB_SHA: 'd'.repeat(40),
        GITHUB_TOKEN: TOKEN,
      };
    }

    it.each([
      ['its own PR', {}],
      ['--pr naming that PR', { pr: '31' }],
    ])('never merges a head pushed after the tested commit (%s): waiting, no PUT', async (_name, options) => {
      // No PUT is intercepted: a merge attempt would fail the run.
      const scope = pullRequest31();
      const result = await reletanCi(options, await workflowRunEnv());
      scope.done();
      expect(result.exitCode).toBe(0);
      expect(result.json()).toMatchObject({
        action: 'waiting',
        merged: false,
        sha: HEAD,
        reason: `its head is 6dcb09b, not 0123456 that this build checked; the build of the new head decides`,
      });
    });

    it('merges the tested commit when it is still the head', async () => {
      let body: unknown;
      const scope = pullRequest31({ headSha: TESTED })
        .put(`${PR_PATH}/merge`)
        .reply(200, (_uri, requestBody) => {
          body = requestBody;
          return mergeResultBody();
        });
      const result = await reletanCi({}, await workflowRunEnv());
      scope.done();
      expect(result.json()).toMatchObject({ action: 'merged', merged: true, sha: TESTED });
      expect(body).toEqual({ sha: TESTED, merge_method: 'merge' });
    });
  });

  it("does not warn about the job's GITHUB_TOKEN when nothing was written (--dry-run, waiting)", async () => {
    const env = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_REF: 'refs/pull/31/merge',
      GITHUB_TOKEN: 'ghs_jobTokenFromActions123',
    };
    const dryRun = pullRequest31();
    const wouldMerge = await reletanCi({ dryRun: true }, env);
    dryRun.done();
    expect(wouldMerge.json()).toMatchObject({ action: 'merged', merged: false, dryRun: true });
    expect(wouldMerge.stderr).not.toContain('GITHUB_TOKEN');

    const waiting = pullRequest31({ mergeableState: 'dirty', mergeable: false });
    const notReady = await reletanCi({}, env);
    waiting.done();
    expect(notReady.json()).toMatchObject({ action: 'waiting' });
    expect(notReady.stderr).not.toContain('GITHUB_TOKEN');
  });

  it("never prints the job's token, even when GitHub echoes it", async () => {
    const jobToken = 'ghs_jobTokenFromActions123';
    const body = { message: `Resource not accessible by integration (${jobToken})` };
    nock(API).get(PR_PATH).reply(403, body).get(`${PR_PATH}/reviews`).query(true).reply(403, body);
    const result = await reletanCi(
      {},
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_REF: 'refs/pull/31/merge',
        GITHUB_TOKEN: jobToken,
      },
      { json: true, verbose: true },
    );
    expect(result.exitCode).toBe(1);
    expect(result.json()).toMatchObject({
      error: { code: 'GITHUB_FORBIDDEN', message: expect.stringContaining('integration (***)') },
    });
    expect(result.stdout + result.stderr).not.toContain(jobToken);
  });

  it('reads the PR from refs/pull/N/merge', async () => {
    const scope = pullRequest31({ mergeableState: 'dirty', mergeable: false });
    const result = await reletanCi(
      {},
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_REF: 'refs/pull/31/merge',
        GH_TOKEN: TOKEN,
      },
    );
    scope.done();
    expect(result.json()).toMatchObject({ action: 'waiting', reason: 'it has merge conflicts with develop' });
  });
});

describe('reletan-ci automerge --pr', () => {
  it("takes a number in the config's github.repository", async () => {
    await writeFile(
      path.join(dir.path, 'reletan.config.json'),
      JSON.stringify({ github: { repository: 'acme/admin' } }),
    );
    const scope = nock(API)
      .get('/repos/acme/admin/pulls/5')
      .reply(200, pullRequestBody({ repository: 'acme/admin', number: 5, labels: ['automerge:skip'] }))
      .get('/repos/acme/admin/pulls/5/reviews')
      .query(true)
      .reply(200, []);
    const result = await reletanCi({ pr: '5' }, circleci);
    scope.done();
    expect(result.json()).toMatchObject({ pr: 'https://github.com/acme/admin/pull/5', action: 'skipped' });
  });

  it('talks to the Enterprise API of the PR URL host, GITHUB_API_URL', async () => {
    const scope = nock('https://ghe.acme.io/api/v3')
      .get('/repos/web/shop/pulls/3')
      .reply(200, pullRequestBody({ repository: 'web/shop', number: 3, draft: true }))
      .get('/repos/web/shop/pulls/3/reviews')
      .query(true)
      .reply(200, []);
    const result = await reletanCi(
      { pr: 'https://ghe.acme.io/web/shop/pull/3' },
      { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: 'https://ghe.acme.io/api/v3' },
    );
    scope.done();
    expect(result.json()).toMatchObject({ action: 'waiting', reason: 'it is a draft' });
  });

  it('exits 2, sending nothing, for a PR on a host no configured API serves', async () => {
    const evil = nock('https://evil.example').get(/.*/).reply(200, pullRequestBody());
    const ghe = nock('https://ghe.acme.io/api/v3').get(/.*/).reply(200, pullRequestBody());
    const foreign = await reletanCi({ pr: 'https://evil.example/acme/shop/pull/1' }, circleci, {});
    expect(foreign.exitCode).toBe(2);
    expect(foreign.stderr).toContain('is on evil.example, which is not github.com');
    const elsewhere = await reletanCi({}, { ...circleci, GITHUB_API_URL: 'https://ghe.acme.io/api/v3' }, {});
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toContain(
      'https://github.com/acme/shop/pull/31 is on github.com, which GITHUB_API_URL (https://ghe.acme.io/api/v3) does not serve',
    );
    expect(evil.pendingMocks()).toHaveLength(1);
    expect(ghe.pendingMocks()).toHaveLength(1);
  });
});

describe('reletan-ci automerge --expected-sha', () => {
  it('waits, writing nothing, when the head is not the commit given', async () => {
    const scope = pullRequest31();
    const result = await reletanCi(
      { pr: 'https://github.com/acme/shop/pull/31', expectedSha: 'f'.repeat(40) },
      { GITHUB_TOKEN: TOKEN },
    );
    scope.done();
    expect(result.json()).toMatchObject({
      action: 'waiting',
      merged: false,
      reason: expect.stringMatching(/not fffffff/),
    });
  });

  it('exits 2 when it disagrees with the commit the build checked', async () => {
    const result = await reletanCi({ expectedSha: 'f'.repeat(40) }, circleci, {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`--expected-sha ${'f'.repeat(40)} is not ${HEAD}`);
  });
});

describe('failures and bad input', () => {
  it('exits 1 after the retries when GitHub keeps failing, printing the error as JSON and never the token', async () => {
    // The first attempt and 3 retries: every one must be made (done() fails otherwise), and no fifth.
    // A proxy that echoes the request's token in its error page: the worst case for redaction.
    const scope = nock(API)
      .get(PR_PATH)
      .times(4)
      .reply(502, `Bad Gateway (request with token ${TOKEN})`)
      .get(`${PR_PATH}/reviews`)
      .query(true)
      .reply(200, []);
    const fifth = nock(API)
      .get(PR_PATH)
      .optionally()
      .reply(200, pullRequestBody({ number: 31 }));
    const result = await reletanCi({}, circleci, { json: true, verbose: true });
    scope.done();
    expect(fifth.activeMocks()).toHaveLength(1);
    expect(result.exitCode).toBe(1);
    expect(result.json()).toMatchObject({
      error: {
        code: 'GITHUB_API_FAILED',
        kind: 'failure',
        message: expect.stringContaining('502 Bad Gateway (request with token ***)'),
      },
    });
    expect(result.stderr).toContain('502 Bad Gateway (request with token ***)');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('exits 1 when GitHub rejects the token, never printing it even when GitHub echoes it', async () => {
    const body = {
      message: `Bad credentials for ${TOKEN}`,
      documentation_url: 'https://docs.github.com/rest',
    };
    nock(API).get(PR_PATH).reply(401, body).get(`${PR_PATH}/reviews`).query(true).reply(401, body);
    const result = await reletanCi({}, circleci, { verbose: true });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'GitHub rejected the token while reading https://github.com/acme/shop/pull/31: 401 Bad credentials for ***',
    );
    expect(result.stdout + result.stderr).not.toContain(TOKEN);

    nock(API).get(PR_PATH).reply(401, body).get(`${PR_PATH}/reviews`).query(true).reply(401, body);
    const json = await reletanCi({}, circleci, { json: true, verbose: true });
    expect(json.json()).toMatchObject({
      error: { code: 'GITHUB_AUTH_FAILED', message: expect.stringContaining('Bad credentials for ***') },
    });
    expect(json.stdout + json.stderr).not.toContain(TOKEN);
  });

  it.each([
    [
      '--pr that is not a PR URL',
      { pr: 'https://github.com/acme/shop/issues/31' },
      circleci,
      'not a pull request URL',
    ],
    ['a missing token', {}, { ...circleci, GITHUB_TOKEN: '' }, 'no GitHub token'],
    [
      'several CircleCI PRs',
      {},
      {
        ...circleci,
        CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/31,https://github.com/acme/shop/pull/32',
      },
      'will not guess',
    ],
    ['a build with no PR', {}, { ...circleci, CIRCLE_PULL_REQUEST: '' }, 'no pull request found'],
  ])('exits 2 for %s, writing nothing', async (_name, options, env, message) => {
    const result = await reletanCi(options, env, {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the built bin', () => {
  let github: FakeGitHub;
  beforeAll(async () => {
    github = await startFakeGitHub({
      token: TOKEN,
      pullRequests: { 31: {}, 32: { pushAfterFirstRead: 'a'.repeat(40) } },
    });
  });
  afterAll(async () => {
    await github.close();
  });
  // The stand-in serves its pull requests on its own host, the only one its API may be sent a token for.
  const onFake = (number: number) => `${github.url}/acme/shop/pull/${number}`;
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    runNodeScript(bin, ['automerge', ...args], {
      cwd: dir.path,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_API_URL: github.url,
        ...env,
        CIRCLE_PULL_REQUEST: onFake(31),
      },
    });

  it('merges over real HTTP, exit 0', async () => {
    const result = await run(['--json'], circleci);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ action: 'merged', merged: true, sha: HEAD });
    expect(github.requests.find((request) => request.method === 'PUT')?.body).toEqual({
      sha: HEAD,
      merge_method: 'merge',
    });
  });

  it('never merges a head pushed after the check: 409, exit 0', async () => {
    const result = await run(['--pr', onFake(32)], circleci);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith(`waiting ${onFake(32)}: the head moved after 6dcb09b`)).toBe(true);
  });

  it('exits 1 for a rejected token (never printing it) and 2 for a missing one', async () => {
    const rejected = await run(['--json', '--verbose'], { ...circleci, GITHUB_TOKEN: 'ghp_wrongToken42' });
    expect(rejected.exitCode).toBe(1);
    expect(rejected.stderr).toContain('Bad credentials for ***');
    expect(JSON.parse(rejected.stdout)).toMatchObject({ error: { code: 'GITHUB_AUTH_FAILED' } });
    expect(rejected.stdout + rejected.stderr).not.toContain('ghp_wrongToken42');
    const missing = await run([], { ...circleci, GITHUB_TOKEN: '' });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('no GitHub token: set GITHUB_TOKEN or GH_TOKEN');
  });

  it('exits 2 for an --expected-sha that disagrees with the commit the build checked', async () => {
    const result = await run(['--expected-sha', 'f'.repeat(40)], circleci);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`--expected-sha ${'f'.repeat(40)} is not ${HEAD}`);
  });

  it('exits 2 for a --pr that is not a PR URL', async () => {
    const result = await run(['--pr', 'https://github.com/acme/shop/commit/abc'], circleci);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('not a pull request URL');
  });

  it('is listed in --help', async () => {
    const result = await runNodeScript(bin, ['--help'], { env: { PATH: process.env.PATH } });
    expect(result.stdout).toMatch(/\n\s+automerge \[options\]\s/);
  });
});
