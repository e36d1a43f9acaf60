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
import { createTestRepo, makeTempDir, runNodeScript, type TempDir } from '@reletan/core/testing';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runRecordingModules } from '../test/loaded-modules.js';
import type { AutomergeOptions } from './commands/automerge.js';
import { runAutomergeInProcess } from './testing.js';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const API = 'https://api.github.com';
const HEAD = DEFAULT_HEAD_SHA;
const TOKEN = 'ghp_cliAutomergeSecret0123456789';
const URL_42 = 'https://github.com/acme/shop/pull/42';

let dir: TempDir;
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
beforeEach(async () => {
  dir = await makeTempDir('reletan-cli-automerge-');
});
afterEach(async () => {
  nock.cleanAll();
  await dir.cleanup();
});

/** `reletan automerge` in this process, with nock as GitHub (see runAutomergeInProcess). */
const reletan = (
  options: AutomergeOptions,
  globals?: GlobalOptions,
  cwd = dir.path,
  env: NodeJS.ProcessEnv = { GITHUB_TOKEN: TOKEN, PATH: process.env.PATH },
) => runAutomergeInProcess(options, { env, cwd, ...(globals ? { globals } : {}) });

function pullRequest42(pr: Parameters<typeof pullRequestBody>[0] = {}) {
  return nock(API)
    .get('/repos/acme/shop/pulls/42')
    .reply(200, pullRequestBody(pr))
    .get('/repos/acme/shop/pulls/42/reviews')
    .query(true)
    .reply(200, [reviewBody({ id: 1, login: 'alice', state: 'APPROVED' })]);
}

describe('reletan automerge PR', () => {
  it('merges a PR given by URL, pinned to the checked sha', async () => {
    let body: unknown;
    const scope = pullRequest42()
      .put('/repos/acme/shop/pulls/42/merge')
      .reply(200, (_uri, requestBody) => {
        body = requestBody;
        return mergeResultBody();
      });
    const result = await reletan({ pr: URL_42 });
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(body).toEqual({ sha: HEAD, merge_method: 'merge' });
    expect(JSON.parse(result.stdout)).toEqual({
      pr: URL_42,
      action: 'merged',
      merged: true,
      reason: 'approved by alice; checks passed; merged head 6dcb09b with merge as e5bd391',
      sha: HEAD,
    });
  });

  it("takes a number in git origin's repository, with the config's policy", async () => {
    const repo = await createTestRepo();
    try {
      await repo.git.run(['remote', 'set-url', 'origin', 'https://github.com/acme/shop.git']);
      await writeFile(
        path.join(repo.dir, 'reletan.config.json'),
        JSON.stringify({ automerge: { updateBranch: true } }),
      );
      let body: unknown;
      const scope = pullRequest42({ mergeableState: 'behind' })
        .put('/repos/acme/shop/pulls/42/update-branch')
        .reply(202, (_uri, requestBody) => {
          body = requestBody;
          return {
            message: 'Updating pull request branch.',
            url: 'https://github.com/repos/acme/shop/pulls/42',
          };
        });
      const result = await reletan({ pr: '42' }, {}, repo.dir);
      scope.done();
      expect(result.exitCode).toBe(0);
      expect(body).toEqual({ expected_head_sha: HEAD });
      expect(result.stdout).toMatch(
        /^updated branch https:\/\/github\.com\/acme\/shop\/pull\/42: the branch is behind develop/,
      );
    } finally {
      await repo.cleanup();
    }
  });

  it('merges only while the head is the commit given with --expected-sha', async () => {
    // No PUT is intercepted for the first run: a merge attempt would fail it.
    const waiting = pullRequest42();
    const moved = await reletan({ pr: URL_42, expectedSha: 'f'.repeat(40) });
    waiting.done();
    expect(JSON.parse(moved.stdout)).toMatchObject({
      action: 'waiting',
      merged: false,
      reason: 'its head is 6dcb09b, not fffffff that this build checked; the build of the new head decides',
    });

    const merging = pullRequest42()
      .put('/repos/acme/shop/pulls/42/merge', { sha: HEAD, merge_method: 'merge' })
      .reply(200, mergeResultBody());
    expect(JSON.parse((await reletan({ pr: URL_42, expectedSha: HEAD })).stdout)).toMatchObject({
      action: 'merged',
      merged: true,
    });
    merging.done();
  });

  it('exits 2 for an --expected-sha that is not a full sha', async () => {
    const result = await reletan({ pr: URL_42, expectedSha: '6dcb09b' }, {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--expected-sha is not a full commit sha: 6dcb09b');
  });

  it('prints the decision and writes nothing with --dry-run', async () => {
    const scope = pullRequest42();
    const result = await reletan({ pr: URL_42, dryRun: true }, {});
    scope.done();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `dry run ${URL_42}: would merge head 6dcb09b with merge; approved by alice; checks passed\n`,
    );
  });

  it('exits 0 with the reason for a PR that is not ready', async () => {
    const scope = pullRequest42({ mergeableState: 'dirty', mergeable: false });
    const result = await reletan({ pr: URL_42 }, {});
    scope.done();
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: `waiting ${URL_42}: it has merge conflicts with develop\n`,
    });
  });

  it('exits 1 when GitHub refuses access', async () => {
    nock(API)
      .get('/repos/acme/shop/pulls/42')
      .reply(404, { message: 'Not Found' })
      .get('/repos/acme/shop/pulls/42/reviews')
      .query(true)
      .reply(404, { message: 'Not Found' });
    const result = await reletan({ pr: URL_42 }, {});
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'GitHub found nothing while reading https://github.com/acme/shop/pull/42',
    );
  });

  it('exits 2 for a number outside any repository', async () => {
    const result = await reletan({ pr: '42' }, {});
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('pull request #42: in which repository?');
  });
});

describe('where the token goes', () => {
  /** Every request nock saw that no interceptor answered: none may reach a foreign host. */
  function unanswered() {
    const seen: string[] = [];
    const record = (request: { host?: string; hostname?: string; path?: string }) => {
      seen.push(`${request.hostname ?? request.host}${request.path ?? ''}`);
    };
    nock.emitter.on('no match', record);
    return { seen, stop: () => nock.emitter.removeListener('no match', record) };
  }

  it('never sends it to the host of a PR URL that no configured API serves (exit 2)', async () => {
    const evil = nock('https://evil.example')
      .get(/.*/)
      .reply(200, pullRequestBody())
      .get(/.*/)
      .reply(200, [])
      .put(/.*/)
      .reply(200, mergeResultBody());
    const evilApi = nock('https://evil.example/api/v3').get(/.*/).reply(200, pullRequestBody());
    const pending = [...evil.pendingMocks(), ...evilApi.pendingMocks()];
    const spy = unanswered();
    const result = await reletan({ pr: 'https://evil.example/acme/shop/pull/1' }, {});
    spy.stop();
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'the pull request https://evil.example/acme/shop/pull/1 is on evil.example, which is not github.com',
    );
    expect([...evil.pendingMocks(), ...evilApi.pendingMocks()]).toEqual(pending);
    expect(spy.seen).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('never sends a github.com PR to the Enterprise API of GITHUB_API_URL (exit 2)', async () => {
    const enterprise = nock('https://ghe.acme.io/api/v3').get(/.*/).reply(200, pullRequestBody());
    const spy = unanswered();
    const result = await reletan({ pr: URL_42 }, {}, dir.path, {
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: 'https://ghe.acme.io/api/v3',
      PATH: process.env.PATH,
    });
    spy.stop();
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `the pull request ${URL_42} is on github.com, which GITHUB_API_URL (https://ghe.acme.io/api/v3) does not serve`,
    );
    expect(enterprise.pendingMocks()).toHaveLength(1);
    expect(spy.seen).toEqual([]);
  });

  it('sends an Enterprise PR to GITHUB_API_URL on its host', async () => {
    const scope = nock('https://ghe.acme.io/api/v3')
      .get('/repos/web/shop/pulls/3')
      .reply(200, pullRequestBody({ repository: 'web/shop', number: 3, draft: true }))
      .get('/repos/web/shop/pulls/3/reviews')
      .query(true)
      .reply(200, []);
    const result = await reletan({ pr: 'https://ghe.acme.io/web/shop/pull/3' }, { json: true }, dir.path, {
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: 'https://ghe.acme.io/api/v3',
      PATH: process.env.PATH,
    });
    scope.done();
    expect(JSON.parse(result.stdout)).toMatchObject({ action: 'waiting', reason: 'it is a draft' });
  });
});

describe('the built bin', () => {
  let github: FakeGitHub;
  beforeAll(async () => {
    github = await startFakeGitHub({
      token: TOKEN,
      pullRequests: {
        42: {
          pr: { mergeableState: 'blocked' },
          requiredChecks: ['ci/test', 'lint'],
          statuses: [{ context: 'ci/test', state: 'failure' }],
          checkRuns: [{ name: 'lint', status: 'in_progress', conclusion: null }],
        },
      },
    });
  });
  afterAll(async () => {
    await github.close();
  });
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runNodeScript(bin, ['automerge', ...args], {
      cwd: dir.path,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: TOKEN,
        ...env,
      },
    });

  // The stand-in serves its pull requests on its own host, the only one its API may be sent a token for.
  const fakeUrl = () => `${github.url}/acme/shop/pull/42`;

  it('explains a blocked PR over real HTTP, exit 0', async () => {
    const result = await run([fakeUrl()]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `waiting ${fakeUrl()}: blocked: required checks failed: ci/test; required checks still running: lint\n`,
    );
  });

  it('exits 2 for a github.com PR while GITHUB_API_URL points elsewhere, sending nothing', async () => {
    const before = github.requests.length;
    const result = await run([URL_42]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`is on github.com, which GITHUB_API_URL (${github.url}) does not serve`);
    expect(github.requests.length).toBe(before);
  });

  it.each([
    [['https://github.com/acme/shop/issues/42'], {}, 'not a pull request URL'],
    [['not-a-pr'], {}, 'not a pull request URL or number'],
    [[URL_42, '--expected-sha', '6dcb09b'], {}, '--expected-sha is not a full commit sha'],
    [['FAKE'], { GITHUB_TOKEN: '', GH_TOKEN: '' }, 'no GitHub token'],
    [[], {}, "missing required argument 'pr'"],
  ])('exits 2 for %j', async (args, env, message) => {
    const result = await run(
      args.map((arg) => (arg === 'FAKE' ? fakeUrl() : arg)),
      env,
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('is listed in --help', async () => {
    const result = await runNodeScript(bin, ['--help'], { env: { PATH: process.env.PATH } });
    expect(result.stdout).toMatch(/\n\s+automerge \[options\] <pr>\s/);
  });

  it('loads neither Octokit nor the command for automerge --help', async () => {
    const result = await runRecordingModules(bin, ['automerge', '--help'], { cwd: dir.path });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('--dry-run');
    expect(
      result.loaded.filter((url) =>
        /@octokit|auto-merge|\/commands\/automerge\.js$|\/core\/dist\/index\.js/.test(url),
      ),
    ).toEqual([]);
  });
});
