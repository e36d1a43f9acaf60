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
import { type GlobalOptions, type OutputStream, runAction } from '@reletan/core';
import { createTestRepo, makeTempDir, runNodeScript, type TempDir } from '@reletan/core/testing';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runRecordingModules } from '../test/loaded-modules.js';
import { type AutomergeOptions, automerge } from './commands/automerge.js';

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

/** `reletan automerge` in this process, through the apps' runtime, with nock as GitHub. */
async function reletan(options: AutomergeOptions, globals: GlobalOptions = { json: true }, cwd = dir.path) {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (into: string[]): OutputStream => ({ write: (chunk: string) => into.push(chunk) });
  const exitCode = await runAction(
    globals,
    (context) =>
      automerge(context, options, {
        client: { retry: { retryAfterBaseValue: 1 }, throttle: { enabled: false } },
        sleep: async () => {},
      }),
    { stdout: stream(out), stderr: stream(err), env: { GITHUB_TOKEN: TOKEN, PATH: process.env.PATH }, cwd },
  );
  return { exitCode, stdout: out.join(''), stderr: err.join('') };
}

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

  it('explains a blocked PR over real HTTP, exit 0', async () => {
    const result = await run([URL_42]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `waiting ${URL_42}: blocked: required checks failed: ci/test; required checks still running: lint\n`,
    );
  });

  it.each([
    [['https://github.com/acme/shop/issues/42'], {}, 'not a pull request URL'],
    [['not-a-pr'], {}, 'not a pull request URL or number'],
    [[URL_42, '--expected-sha', '6dcb09b'], {}, '--expected-sha is not a full commit sha'],
    [[URL_42], { GITHUB_TOKEN: '', GH_TOKEN: '' }, 'no GitHub token'],
    [[], {}, "missing required argument 'pr'"],
  ])('exits 2 for %j', async (args, env, message) => {
    const result = await run(args, env);
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
