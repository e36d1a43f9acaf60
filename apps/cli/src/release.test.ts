import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGitRunner } from '@reletan/core';
import { createTestRepo, makeTempDir, runNodeScript, type TestRepo, testGitEnv } from '@reletan/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runRecordingModules } from '../test/loaded-modules.js';
import { runReletanInProcess } from './testing.js';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));

let repo: TestRepo;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await repo?.cleanup();
});

/**
 * `reletan ARGS` in this process, through the real program (parsing, the command, hints, the exit code):
 * a process per run would be most of these tests' cost. The whole release and the token test run the
 * built bin, so everything the process prints, by any path, is checked.
 */
const reletan = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runReletanInProcess(args, { cwd: repo.dir, env: { ...testGitEnv(), NO_COLOR: '1', ...env } });
const reletanBin = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runNodeScript(bin, args, { cwd: repo.dir, env: { ...testGitEnv(), NO_COLOR: '1', ...env } });

async function commit(file: string, content: string, message: string) {
  await writeFile(path.join(repo.dir, file), content);
  await repo.git.run(['add', file]);
  await repo.git.run(['commit', '-q', '-m', message]);
}

/** main, develop with a merged and a squashed pull request, pushed to a bare origin. */
async function project() {
  repo = await createTestRepo();
  await repo.git.run(['checkout', '-q', '-b', 'develop']);
  await repo.git.run(['checkout', '-q', '-b', 'feature/cart']);
  await commit('cart.txt', 'cart\n', 'Cart work');
  await repo.git.run(['checkout', '-q', 'develop']);
  await repo.git.run([
    'merge',
    '-q',
    '--no-ff',
    '-m',
    'Merge pull request #1 from acme/feature/cart\n\nAdd the cart',
    'feature/cart',
  ]);
  await commit('price.txt', 'rounded\n', 'Fix the price rounding (#2)');
  await repo.git.run(['push', '-q', '-u', 'origin', 'develop']);
}

const origin = () => createGitRunner({ cwd: repo.origin, env: testGitEnv() });

describe('reletan release start and finish', () => {
  it('runs a whole release with --push, as JSON', async () => {
    await project();
    const started = await reletanBin(['release', 'start', '--push', '--json']);
    expect(started.exitCode).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({
      kind: 'release',
      version: '0.1.0',
      branch: 'release/0.1.0',
      operations: ['git checkout -b release/0.1.0 develop', 'git push --set-upstream origin release/0.1.0'],
      notes: {
        from: null,
        to: 'release/0.1.0',
        pullRequests: [{ number: 1, title: 'Add the cart' }, { number: 2 }],
      },
    });
    await commit('VERSION', '0.1.0\n', 'Bump version to 0.1.0');

    const finished = await reletanBin(['release', 'finish', '--push', '--json']);
    expect(finished.exitCode).toBe(0);
    const result = JSON.parse(finished.stdout);
    expect(result).toMatchObject({ tag: 'v0.1.0', pushed: true, alreadyDone: [] });
    expect(await origin().output(['for-each-ref', '--format=%(refname)'])).toBe(
      'refs/heads/develop\nrefs/heads/main\nrefs/tags/v0.1.0',
    );
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('develop');
  });

  it('prints the exact operations with --dry-run and changes nothing', async () => {
    await project();
    await reletan(['release', 'start', '1.0.0']);
    await commit('VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    const refs = await repo.git.output(['for-each-ref']);
    const result = await reletan(['release', 'finish', '--push', '--dry-run']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      [
        'dry run: finishing release/1.0.0 would run, in order:',
        '  git checkout main',
        '  git merge --no-ff --no-edit release/1.0.0',
        "  git tag -a -m 'Release v1.0.0' v1.0.0 main",
        '  git checkout develop',
        '  git merge --no-ff --no-edit v1.0.0',
        '  git push --atomic origin refs/heads/main refs/heads/develop refs/tags/v1.0.0',
        '  git branch -d release/1.0.0',
        '',
      ].join('\n'),
    );
    expect(await repo.git.output(['for-each-ref'])).toBe(refs);
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('release/1.0.0');
  });

  it('refuses a dirty tree with exit 1 and a reason, no stack trace', async () => {
    await project();
    await writeFile(path.join(repo.dir, 'cart.txt'), 'edited\n');
    const result = await reletan(['release', 'start']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('error the working tree has uncommitted changes to 1 tracked file');
    expect(result.stderr).toContain('  - cart.txt');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a version that is not semver, or outside a git repository', async () => {
    await project();
    const bad = await reletan(['release', 'start', '1.2']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('"1.2" is not a semver version');
    const elsewhere = await makeTempDir();
    try {
      const outside = await runNodeScript(bin, ['release', 'notes'], {
        cwd: elsewhere.path,
        env: testGitEnv(),
      });
      expect(outside.exitCode).toBe(2);
      expect(outside.stderr).toContain('is not inside a git working tree');
    } finally {
      await elsewhere.cleanup();
    }
  });

  it('stops on a conflict naming the file and the command to rerun, and the rerun completes', async () => {
    await project();
    await reletan(['release', 'start', '1.0.0']);
    await commit('VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await repo.git.run(['checkout', '-q', 'develop']);
    await commit('VERSION', '1.1.0-dev\n', 'Start 1.1.0');
    const stopped = await reletan(['release', 'finish', '1.0.0']);
    expect(stopped.exitCode).toBe(1);
    expect(stopped.stderr).toContain('stopped on conflicts in 1 file: VERSION');
    expect(stopped.stderr).toContain('then run "reletan release finish 1.0.0" again');
    await writeFile(path.join(repo.dir, 'VERSION'), '1.1.0-dev\n');
    await repo.git.run(['commit', '-q', '-a', '--no-edit']);
    const resumed = await reletan(['release', 'finish', '1.0.0']);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.stdout).toContain('- release/1.0.0 is already merged into main (earlier run)');
  });

  it('refuses (exit 1) to finish a release a teammate pushed to, leaving the remote as it was', async () => {
    await project();
    await reletan(['release', 'start', '0.1.0', '--push']);
    const teammate = path.join(path.dirname(repo.dir), 'teammate');
    await createGitRunner({ cwd: path.dirname(repo.dir), env: testGitEnv() }).run([
      'clone',
      '-q',
      '-b',
      'release/0.1.0',
      repo.origin,
      teammate,
    ]);
    const theirs = createGitRunner({ cwd: teammate, env: testGitEnv() });
    await writeFile(path.join(teammate, 'fix.txt'), 'fixed\n');
    await theirs.run(['add', 'fix.txt']);
    await theirs.run(['commit', '-q', '-m', 'Fix found in QA']);
    await theirs.run(['push', '-q', 'origin', 'release/0.1.0']);
    const remote = await origin().output(['for-each-ref', '--format=%(refname) %(objectname)']);

    const result = await reletan(['release', 'finish', '--push']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('local branch release/0.1.0 is behind origin/release/0.1.0');
    expect(await origin().output(['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(remote);
    expect(await repo.git.output(['tag'])).toBe('');
  });

  it('says, without --push, what was deleted on the configured remote and the exact push left to run', async () => {
    await project();
    await repo.git.run(['remote', 'rename', 'origin', 'upstream']);
    await writeFile(
      path.join(repo.dir, 'reletan.config.json'),
      JSON.stringify({ git: { remote: 'upstream' } }),
    );
    await reletan(['release', 'start', '0.1.0', '--push']);
    await commit('VERSION', '0.1.0\n', 'Bump version to 0.1.0');
    const dry = await reletan(['release', 'finish', '--push', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, pushed: false, remoteBranchDeleted: false });

    const human = await reletan(['release', 'finish']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain('- release/0.1.0 is deleted on upstream\n');
    const push =
      '- main, develop and v0.1.0 are not pushed yet: "git push --atomic upstream refs/heads/main refs/heads/develop refs/tags/v0.1.0"';
    expect(human.stdout).toContain(push);
    expect(human.stdout).not.toMatch(/nothing pushed|--push|origin/);
    // The printed command works as printed.
    const args = push.slice(push.indexOf('"git ') + 5, -1).split(' ');
    await repo.git.run(args);
    expect(await origin().output(['tag'])).toBe('v0.1.0');
    expect(await origin().output(['branch', '--list', 'release/*'])).toBe('');
  });

  it('runs a hotfix from main', async () => {
    await project();
    await reletan(['release', 'start', '1.0.0']);
    await commit('VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    expect((await reletan(['release', 'finish', '--push'])).exitCode).toBe(0);
    const started = await reletan(['hotfix', 'start']);
    expect(started.exitCode).toBe(0);
    expect(started.stdout).toContain('✓ created hotfix/1.0.1 from main; you are on hotfix/1.0.1');
    const empty = await reletan(['hotfix', 'finish']);
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain('hotfix/1.0.1 has no commits beyond main');
    await commit('fix.txt', 'fixed\n', 'Fix the total');
    const finished = await reletan(['hotfix', 'finish', '--push']);
    expect(finished.exitCode).toBe(0);
    expect(await origin().output(['tag'])).toBe('v1.0.0\nv1.0.1');
  });
});

describe('reletan release notes', () => {
  it('prints Markdown, or the documented JSON shape', async () => {
    await project();
    await repo.git.run(['remote', 'set-url', '--push', 'origin', repo.origin]);
    await repo.git.run(['remote', 'set-url', 'origin', 'git@github.com:acme/shop.git']);
    const markdown = await reletan(['release', 'notes']);
    expect(markdown).toMatchObject({
      exitCode: 0,
      stdout: '## Changes in develop\n\n- Add the cart (#1)\n- Fix the price rounding (#2)\n',
    });
    for (const args of [['--format', 'json'], ['--json']]) {
      const json = await reletan(['release', 'notes', ...args]);
      expect(JSON.parse(json.stdout)).toEqual({
        from: null,
        to: 'develop',
        pullRequests: [
          { number: 1, title: 'Add the cart', url: 'https://github.com/acme/shop/pull/1' },
          { number: 2, title: 'Fix the price rounding', url: 'https://github.com/acme/shop/pull/2' },
        ],
      });
    }
    const slack = await reletan(['release', 'notes', '--format', 'slack']);
    expect(slack.stdout).toContain('• <https://github.com/acme/shop/pull/1|#1> Add the cart');
  });

  it("prints a past release's notes with --to TAG", async () => {
    await project();
    await reletan(['release', 'start', '0.1.0']);
    await commit('VERSION', '0.1.0\n', 'Bump version to 0.1.0');
    expect((await reletan(['release', 'finish'])).exitCode).toBe(0);
    const markdown = await reletan(['release', 'notes', '--to', 'v0.1.0']);
    expect(markdown).toMatchObject({
      exitCode: 0,
      stdout: '## Release v0.1.0\n\n- Add the cart (#1)\n- Fix the price rounding (#2)\n',
    });
    const json = JSON.parse((await reletan(['release', 'notes', '--to', 'main', '--json'])).stdout);
    expect(json).toMatchObject({ from: null, to: 'main', pullRequests: [{ number: 1 }, { number: 2 }] });
  });

  it('loads no SDK for release --help', async () => {
    repo = await createTestRepo();
    const { exitCode, loaded } = await runRecordingModules(bin, ['release', '--help'], { cwd: repo.dir });
    expect(exitCode).toBe(0);
    expect(loaded.filter((url) => /\/(@octokit|semver|git-flow\/dist)\/|\/commands?\//.test(url))).toEqual(
      [],
    );
  });
});

describe('GitHub, through GITHUB_API_URL', () => {
  it('enriches the notes and creates the GitHub release on finish, never printing the token', async () => {
    await project();
    // The API below is a local stand-in, so the repository is named in the config, on GITHUB_API_URL's host.
    await writeFile(
      path.join(repo.dir, 'reletan.config.json'),
      JSON.stringify({ github: { repository: 'acme/shop' } }),
    );
    const requests: { method: string; url: string; auth: string | undefined; body: unknown }[] = [];
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        auth: request.headers.authorization,
        body,
      });
      response.setHeader('content-type', 'application/json');
      if (request.url === '/api/graphql') {
        response.end(
          JSON.stringify({
            data: {
              repository: {
                pr1: {
                  number: 1,
                  title: 'Add the shopping cart',
                  url: 'https://ghe.acme.io/acme/shop/pull/1',
                  author: { __typename: 'User', login: 'alice' },
                  labels: { nodes: [{ name: 'feature' }] },
                },
                pr2: {
                  number: 2,
                  title: 'Bump lodash',
                  url: 'https://ghe.acme.io/acme/shop/pull/2',
                  author: { __typename: 'Bot', login: 'dependabot' },
                  labels: { nodes: [] },
                },
              },
            },
          }),
        );
      } else {
        response.statusCode = 201;
        response.end(
          JSON.stringify({ id: 1, html_url: 'https://ghe.acme.io/acme/shop/releases/tag/v1.0.0' }),
        );
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
    const env = { GITHUB_TOKEN: 'ghp_clitesttoken123', GITHUB_API_URL: api };

    await reletanBin(['release', 'start', '1.0.0', '--push']);
    await commit('VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    requests.length = 0;
    const result = await reletanBin(['release', 'finish', '--push', '--github-release', '--verbose'], env);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      '- GitHub release created: https://ghe.acme.io/acme/shop/releases/tag/v1.0.0',
    );
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /api/graphql',
      'POST /api/v3/repos/acme/shop/releases',
    ]);
    expect(requests.every((request) => request.auth === 'token ghp_clitesttoken123')).toBe(true);
    expect(requests[1]?.body).toMatchObject({
      tag_name: 'v1.0.0',
      name: 'Release v1.0.0',
      body: '- Add the shopping cart (#1) @alice',
    });
    expect(result.stdout + result.stderr).not.toContain('ghp_clitesttoken123');
  });

  it('exits 2, changing nothing, when no configured API serves the repository host', async () => {
    await project();
    await repo.git.run(['remote', 'set-url', '--push', 'origin', repo.origin]);
    await repo.git.run(['remote', 'set-url', 'origin', 'https://ghe.acme.io/acme/shop.git']);
    await reletan(['release', 'start', '1.0.0', '--push']);
    await commit('VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    const refs = await repo.git.output(['for-each-ref', '--format=%(refname) %(objectname)']);
    const remote = await origin().output(['for-each-ref', '--format=%(refname) %(objectname)']);
    const result = await reletan(['release', 'finish', '--push', '--github-release'], {
      GITHUB_TOKEN: 'ghp_clitesttoken123',
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('the repository acme/shop is on ghe.acme.io, which is not github.com');
    expect(result.stderr).toContain('GITHUB_API_URL=https://ghe.acme.io/api/v3');
    expect(await repo.git.output(['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(refs);
    expect(await origin().output(['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(remote);
  });
});
