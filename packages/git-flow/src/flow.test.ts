import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validateConfig } from '@reletan/config';
import { createGitRunner, type GitRunner, isReletanError, type ReletanError } from '@reletan/core';
import { type TestRepo, testGitEnv } from '@reletan/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { finishFlow, startFlow } from './flow.js';
import { commitFile, createDevelopRepo, defaultConfig, mergePullRequest } from './test-support.js';

const repos: TestRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()));
});

async function developRepo(): Promise<TestRepo> {
  const repo = await createDevelopRepo();
  repos.push(repo);
  return repo;
}

const base = (repo: TestRepo) => ({ git: repo.git, config: defaultConfig(), env: testGitEnv() });

/** Everything a refusal must leave as it was: HEAD, every ref, the index and work tree, the remote. */
async function state(repo: TestRepo) {
  const origin = createGitRunner({ cwd: repo.origin, env: testGitEnv() });
  return {
    head: await repo.git.output(['rev-parse', '--symbolic-full-name', 'HEAD']),
    refs: await repo.git.output(['for-each-ref', '--format=%(refname) %(objectname)']),
    status: await repo.git.output(['status', '--porcelain=v1']),
    remote: await origin.output(['for-each-ref', '--format=%(refname) %(objectname)']),
  };
}

async function refusal(promise: Promise<unknown>): Promise<ReletanError> {
  try {
    await promise;
  } catch (error) {
    if (isReletanError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** A release 1.0.0 already made, so versions have something to bump. */
async function withFirstRelease(repo: TestRepo) {
  await startFlow({ ...base(repo), kind: 'release', version: '1.0.0' });
  await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
  await finishFlow({ ...base(repo), kind: 'release', push: true });
}

describe('release start', () => {
  it('branches from develop, checks the branch out and lists the pull requests since the last release', async () => {
    const repo = await developRepo();
    await withFirstRelease(repo);
    await mergePullRequest(repo, 7, 'Wishlist');
    const develop = await repo.git.output(['rev-parse', 'develop']);

    const result = await startFlow({ ...base(repo), kind: 'release' });

    expect(result).toMatchObject({
      version: '1.1.0',
      branch: 'release/1.1.0',
      base: 'develop',
      tag: 'v1.1.0',
    });
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('release/1.1.0');
    expect(await repo.git.output(['rev-parse', 'release/1.1.0'])).toBe(develop);
    expect(result.operations).toEqual(['git checkout -b release/1.1.0 develop']);
    expect(result.pushed).toBe(false);
    expect(result.notes).toEqual({
      from: 'v1.0.0',
      to: 'release/1.1.0',
      version: '1.1.0',
      pullRequests: [{ number: 7, title: 'Wishlist' }],
    });
  });

  it('bumps by --bump, and pushes with upstream with --push', async () => {
    const repo = await developRepo();
    await withFirstRelease(repo);
    const result = await startFlow({ ...base(repo), kind: 'release', bump: 'major', push: true });
    expect(result.version).toBe('2.0.0');
    expect(result.pushed).toBe(true);
    const origin = createGitRunner({ cwd: repo.origin, env: testGitEnv() });
    expect(await origin.output(['rev-parse', 'release/2.0.0'])).toBe(
      await repo.git.output(['rev-parse', 'HEAD']),
    );
    expect(await repo.git.output(['rev-parse', '--abbrev-ref', 'release/2.0.0@{upstream}'])).toBe(
      'origin/release/2.0.0',
    );
  });

  it('starts at 0.1.0 in a repository without releases', async () => {
    const repo = await developRepo();
    expect((await startFlow({ ...base(repo), kind: 'release' })).version).toBe('0.1.0');
  });

  it('prints the exact operations and changes nothing with dryRun', async () => {
    const repo = await developRepo();
    const before = await state(repo);
    const result = await startFlow({
      ...base(repo),
      kind: 'release',
      version: '1.0.0',
      push: true,
      fetchRemote: true,
      dryRun: true,
    });
    expect(result.operations).toEqual([
      'git fetch --quiet --prune origin',
      'git checkout -b release/1.0.0 develop',
      'git push --set-upstream origin release/1.0.0',
    ]);
    expect(result.pushed).toBe(false);
    expect(await state(repo)).toEqual(before);
  });
});

describe('hotfix start', () => {
  it('branches from main with a patch bump', async () => {
    const repo = await developRepo();
    await withFirstRelease(repo);
    const main = await repo.git.output(['rev-parse', 'main']);
    const result = await startFlow({ ...base(repo), kind: 'hotfix' });
    expect(result).toMatchObject({ version: '1.0.1', branch: 'hotfix/1.0.1', base: 'main' });
    expect(await repo.git.output(['rev-parse', 'HEAD'])).toBe(main);
  });
});

describe('refusals: exit 1, a clear reason, nothing changed', () => {
  it('refuses a dirty working tree', async () => {
    const repo = await developRepo();
    await writeFile(path.join(repo.dir, 'pr-1.txt'), 'changed\n');
    const before = await state(repo);
    const error = await refusal(startFlow({ ...base(repo), kind: 'release' }));
    expect(error).toMatchObject({ code: 'WORKTREE_DIRTY', kind: 'failure' });
    expect(error.details).toEqual(['pr-1.txt']);
    expect(await state(repo)).toEqual(before);
  });

  it('refuses a base branch behind its remote after --fetch', async () => {
    const repo = await developRepo();
    await pushFromAnotherClone(repo, 'develop');
    const error = await refusal(startFlow({ ...base(repo), kind: 'release', fetchRemote: true }));
    expect(error).toMatchObject({ code: 'BRANCH_BEHIND', kind: 'failure' });
    expect(error.message).toBe('local branch develop is behind origin/develop');
    expect(error.hint).toContain('git pull --ff-only origin develop');
    expect((await state(repo)).refs).not.toContain('release/');
  });

  it('refuses a base branch that has diverged from its remote after --fetch', async () => {
    const repo = await developRepo();
    await pushFromAnotherClone(repo, 'develop');
    await commitFile(repo, 'local.txt', 'local\n', 'Local work');
    const before = await state(repo);
    const error = await refusal(startFlow({ ...base(repo), kind: 'release', fetchRemote: true }));
    expect(error).toMatchObject({ code: 'BRANCH_DIVERGED', kind: 'failure' });
    const after = await state(repo);
    expect({ ...after, refs: localRefs(after.refs) }).toEqual({ ...before, refs: localRefs(before.refs) });
  });

  it('refuses a second release while one is in progress, locally or on the remote', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0', push: true });
    await repo.git.run(['checkout', '-q', 'develop']);
    const before = await state(repo);
    const error = await refusal(startFlow({ ...base(repo), kind: 'release', version: '1.1.0' }));
    expect(error).toMatchObject({ code: 'RELEASE_IN_PROGRESS', kind: 'failure' });
    // The next command as an action the app spells (no CLI syntax in the library's own words).
    expect(error.hint).toBe('finish release 1.0.0 first');
    expect(error.actions.finish).toMatchObject({ type: 'run', command: ['release', 'finish', '1.0.0'] });
    expect(await state(repo)).toEqual(before);

    await repo.git.run(['branch', '-q', '-D', 'release/1.0.0']);
    const remoteOnly = await refusal(startFlow({ ...base(repo), kind: 'release', version: '1.1.0' }));
    expect(remoteOnly.message).toBe('a release is already in progress: origin/release/1.0.0');
  });

  it('refuses a branch that exists', async () => {
    const repo = await developRepo();
    await repo.git.run(['branch', 'hotfix/0.0.1', 'main']);
    const before = await state(repo);
    const error = await refusal(startFlow({ ...base(repo), kind: 'hotfix', version: '0.0.1' }));
    expect(error).toMatchObject({ code: 'BRANCH_EXISTS', message: 'branch hotfix/0.0.1 already exists' });
    expect(await state(repo)).toEqual(before);
  });

  it('refuses a tag that exists', async () => {
    const repo = await developRepo();
    await repo.git.run(['tag', 'v3.0.0', 'main']);
    const before = await state(repo);
    const error = await refusal(startFlow({ ...base(repo), kind: 'release', version: '3.0.0' }));
    expect(error).toMatchObject({
      code: 'TAG_EXISTS',
      kind: 'failure',
      message: 'tag v3.0.0 already exists',
    });
    expect(await state(repo)).toEqual(before);
  });

  it('refuses a version not greater than the last release', async () => {
    const repo = await developRepo();
    await withFirstRelease(repo);
    const before = await state(repo);
    for (const version of ['1.0.0-rc.1', '0.9.9', 'v0.1.0']) {
      const error = await refusal(startFlow({ ...base(repo), kind: 'release', version }));
      expect(error).toMatchObject({ code: 'VERSION_NOT_GREATER', kind: 'failure' });
      expect(error.message).toContain('is not greater than the last release v1.0.0');
    }
    expect(await state(repo)).toEqual(before);
  });

  it('is a usage error (exit 2) for a version that is not semver', async () => {
    const repo = await developRepo();
    expect(await refusal(startFlow({ ...base(repo), kind: 'release', version: '1.2' }))).toMatchObject({
      code: 'VERSION_INVALID',
      kind: 'usage',
    });
  });

  it('refuses to finish a hotfix with no commits beyond main', async () => {
    const repo = await developRepo();
    await withFirstRelease(repo);
    await startFlow({ ...base(repo), kind: 'hotfix' });
    const before = await state(repo);
    const error = await refusal(finishFlow({ ...base(repo), kind: 'hotfix', push: true }));
    expect(error).toMatchObject({ code: 'HOTFIX_EMPTY', kind: 'failure' });
    expect(error.message).toBe('hotfix/1.0.1 has no commits beyond main: there is nothing to fix');
    expect(await state(repo)).toEqual(before);
  });

  it('refuses to finish when the tag exists and is not this release', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0' });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await repo.git.run(['tag', '-a', '-m', 'by hand', 'v1.0.0', 'main']);
    const before = await state(repo);
    const error = await refusal(finishFlow({ ...base(repo), kind: 'release' }));
    expect(error).toMatchObject({ code: 'TAG_EXISTS', kind: 'failure' });
    expect(await state(repo)).toEqual(before);
  });

  it('refuses to finish when a tag of that name was made by hand on the release tip, lightweight or annotated', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0' });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    for (const tagArgs of [['v1.0.0'], ['-a', '-m', 'by hand', 'v1.0.0']]) {
      await repo.git.run(['tag', ...tagArgs]);
      const before = await state(repo);
      const error = await refusal(finishFlow({ ...base(repo), kind: 'release' }));
      expect(error).toMatchObject({
        code: 'TAG_EXISTS',
        kind: 'failure',
        message: 'tag v1.0.0 already exists and is not the merge of release/1.0.0',
      });
      expect(await state(repo)).toEqual(before);
      await repo.git.run(['tag', '-d', 'v1.0.0']);
    }
  });

  it('refuses to finish a release branch a teammate pushed to, fetching it first as git-flow does', async () => {
    for (const localWork of [false, true]) {
      const repo = await developRepo();
      await startFlow({ ...base(repo), kind: 'release', version: '1.0.0', push: true });
      if (localWork) await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
      // Not fetched by this clone: the finish must fetch the branch itself.
      await pushFromAnotherClone(repo, 'release/1.0.0');
      const before = await state(repo);
      const error = await refusal(finishFlow({ ...base(repo), kind: 'release', push: true }));
      expect(error).toMatchObject(
        localWork
          ? {
              code: 'BRANCH_DIVERGED',
              message: 'local branch release/1.0.0 and origin/release/1.0.0 have diverged',
            }
          : { code: 'BRANCH_BEHIND', message: 'local branch release/1.0.0 is behind origin/release/1.0.0' },
      );
      const after = await state(repo);
      expect(after.remote).toBe(before.remote);
      expect({ ...after, refs: localRefs(after.refs) }).toEqual({ ...before, refs: localRefs(before.refs) });
    }
  });

  it('deletes the remote release branch only as it was checked: a push to it in between fails the push', async () => {
    for (const push of [true, false]) {
      const repo = await developRepo();
      await startFlow({ ...base(repo), kind: 'release', version: '1.0.0', push: true });
      await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
      await repo.git.run(['push', '-q']);
      const origin = createGitRunner({ cwd: repo.origin, env: testGitEnv() });
      const remoteBefore = await origin.output(['for-each-ref', '--format=%(refname) %(objectname)']);
      // The teammate pushes after the finish fetched and checked the branch, just before its push.
      let raced = false;
      const git: GitRunner = {
        cwd: repo.git.cwd,
        output: (args, options) => repo.git.output(args, options),
        run: async (args, options) => {
          if (args[0] === 'push' && !raced) {
            raced = true;
            await pushFromAnotherClone(repo, 'release/1.0.0');
          }
          return repo.git.run(args, options);
        },
      };
      const teammateTip = async () => origin.output(['rev-parse', 'release/1.0.0']);
      const error = await refusal(finishFlow({ ...base(repo), git, kind: 'release', push }));
      expect(raced).toBe(true);
      expect(error).toMatchObject({ code: 'PUSH_REJECTED', kind: 'failure' });
      expect(error.details.join('\n')).toContain('(stale info)');
      expect(error.hint).toContain('release/1.0.0 changed on origin after the finish checked it');
      // The teammate's commit is still on the remote branch; nothing else was pushed.
      expect(await origin.output(['log', '-1', '--format=%s', await teammateTip()])).toBe('Teammate work');
      const remoteAfter = await origin.output(['for-each-ref', '--format=%(refname) %(objectname)']);
      expect(remoteAfter.replace(/^refs\/heads\/release\/1\.0\.0 .*$/m, '')).toBe(
        remoteBefore.replace(/^refs\/heads\/release\/1\.0\.0 .*$/m, ''),
      );
    }
  });

  it('refuses to finish when no release is in progress, or main is behind its remote', async () => {
    const repo = await developRepo();
    expect(await refusal(finishFlow({ ...base(repo), kind: 'release' }))).toMatchObject({
      code: 'NO_RELEASE_IN_PROGRESS',
      kind: 'failure',
    });
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0' });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await pushFromAnotherClone(repo, 'main');
    await repo.git.run(['fetch', '-q', 'origin']);
    const before = await state(repo);
    const error = await refusal(finishFlow({ ...base(repo), kind: 'release', push: true }));
    expect(error).toMatchObject({
      code: 'BRANCH_BEHIND',
      message: 'local branch main is behind origin/main (as last fetched)',
    });
    expect(await state(repo)).toEqual(before);
  });
});

describe('release finish', () => {
  it('merges into main, tags the merge, back-merges the tag, deletes the branch and ends on develop', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0', push: true });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    const tip = await repo.git.output(['rev-parse', 'HEAD']);
    const result = await finishFlow({ ...base(repo), kind: 'release', message: 'Spring release' });

    const main = await repo.git.output(['rev-parse', 'main']);
    expect(await repo.git.output(['log', '-1', '--format=%P%n%s', 'main'])).toBe(
      `${await repo.git.output(['rev-parse', 'main^1'])} ${tip}\nMerge branch 'release/1.0.0'`,
    );
    expect(await repo.git.output(['cat-file', '-t', 'v1.0.0'])).toBe('tag');
    expect(await repo.git.output(['rev-parse', 'v1.0.0^{commit}'])).toBe(main);
    expect(await repo.git.output(['tag', '-l', '--format=%(contents)', 'v1.0.0'])).toBe('Spring release');
    expect(await repo.git.output(['log', '-1', '--format=%P%n%s', 'develop'])).toMatch(
      new RegExp(`^[0-9a-f]{40} ${main}\\nMerge tag 'v1.0.0' into develop$`),
    );
    expect(await repo.git.output(['describe', 'develop'])).toMatch(/^v1\.0\.0-\d+-g[0-9a-f]+$/);
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('develop');
    expect(await repo.git.output(['branch', '--list', 'release/*'])).toBe('');
    const origin = createGitRunner({ cwd: repo.origin, env: testGitEnv() });
    expect(await origin.output(['branch', '--list', 'release/*'])).toBe('');
    expect(result.pushed).toBe(false);
    expect(result.remoteBranchDeleted).toBe(true);
  });

  it('takes the release notes title as the default tag message', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0' });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await finishFlow({ ...base(repo), kind: 'release' });
    expect(await repo.git.output(['tag', '-l', '--format=%(contents)', 'v1.0.0'])).toBe('Release v1.0.0');
  });

  it('keeps the branch, local and remote, with keep', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0', push: true });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await finishFlow({ ...base(repo), kind: 'release', keep: true, push: true });
    expect(await repo.git.output(['branch', '--list', 'release/1.0.0'])).toContain('release/1.0.0');
    const origin = createGitRunner({ cwd: repo.origin, env: testGitEnv() });
    expect(await origin.output(['branch', '--list', 'release/*'])).toContain('release/1.0.0');
    expect(await origin.output(['tag'])).toBe('v1.0.0');
  });

  it('prints in dryRun exactly the operations a real finish then runs, and changes nothing', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0', push: true });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await repo.git.run(['push', '-q']);
    const before = await state(repo);
    const remoteTip = await repo.git.output(['rev-parse', 'origin/release/1.0.0']);
    const dry = await finishFlow({ ...base(repo), kind: 'release', push: true, dryRun: true });
    expect(dry.operations).toEqual([
      'git fetch --quiet origin +refs/heads/release/1.0.0:refs/remotes/origin/release/1.0.0',
      'git checkout main',
      'git merge --no-ff --no-edit release/1.0.0',
      "git tag -a -m 'Release v1.0.0' v1.0.0 main",
      'git checkout develop',
      'git merge --no-ff --no-edit v1.0.0',
      `git push --atomic --force-with-lease=refs/heads/release/1.0.0:${remoteTip} origin refs/heads/main refs/heads/develop refs/tags/v1.0.0 :refs/heads/release/1.0.0`,
      'git branch -d release/1.0.0',
    ]);
    expect(await state(repo)).toEqual(before);
    expect(dry).toMatchObject({ dryRun: true, pushed: false, remoteBranchDeleted: false });
    const real = await finishFlow({ ...base(repo), kind: 'release', push: true });
    expect(real.operations).toEqual(dry.operations);
    expect(real).toMatchObject({ dryRun: false, pushed: true, remoteBranchDeleted: true });
  });
});

describe('git.* names from the config', () => {
  it('runs a release and a hotfix with other branch names, prefixes, tag prefix and remote', async () => {
    const repo = await developRepo();
    await repo.git.run(['branch', '-q', '-m', 'main', 'master']);
    await repo.git.run(['branch', '-q', '-m', 'develop', 'integration']);
    await repo.git.run(['remote', 'rename', 'origin', 'upstream']);
    await repo.git.run(['push', '-q', '-u', 'upstream', 'master', 'integration']);
    const config = validateConfig({
      git: {
        mainBranch: 'master',
        developBranch: 'integration',
        releasePrefix: 'rel-',
        hotfixPrefix: 'fix-',
        tagPrefix: '',
        remote: 'upstream',
      },
    });
    const options = { git: repo.git, config, env: testGitEnv() };
    const started = await startFlow({ ...options, kind: 'release', push: true });
    expect(started).toMatchObject({ branch: 'rel-0.1.0', base: 'integration', tag: '0.1.0' });
    await commitFile(repo, 'VERSION', '0.1.0\n', 'Bump version to 0.1.0');
    const upstream = createGitRunner({ cwd: repo.origin, env: testGitEnv() });
    const remoteTip = await upstream.output(['rev-parse', 'rel-0.1.0']);
    const finished = await finishFlow({ ...options, kind: 'release', push: true });
    expect(finished.operations).toEqual([
      'git fetch --quiet upstream +refs/heads/rel-0.1.0:refs/remotes/upstream/rel-0.1.0',
      'git checkout master',
      'git merge --no-ff --no-edit rel-0.1.0',
      "git tag -a -m 'Release 0.1.0' 0.1.0 master",
      'git checkout integration',
      'git merge --no-ff --no-edit 0.1.0',
      `git push --atomic --force-with-lease=refs/heads/rel-0.1.0:${remoteTip} upstream refs/heads/master refs/heads/integration refs/tags/0.1.0 :refs/heads/rel-0.1.0`,
      'git branch -d rel-0.1.0',
    ]);
    await startFlow({ ...options, kind: 'hotfix' });
    await commitFile(repo, 'fix.txt', 'fixed\n', 'Fix');
    expect((await finishFlow({ ...options, kind: 'hotfix', push: true })).tag).toBe('0.1.1');
    expect(await upstream.output(['tag'])).toBe('0.1.0\n0.1.1');
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('integration');
  });
});

describe('resuming a finish that stopped half-way', () => {
  it('stops on a back-merge conflict naming the files and the next command, then completes without redoing anything', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0' });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await repo.git.run(['checkout', '-q', 'develop']);
    await commitFile(repo, 'VERSION', '1.1.0-dev\n', 'Start 1.1.0');

    const error = await refusal(finishFlow({ ...base(repo), kind: 'release', version: '1.0.0' }));
    expect(error).toMatchObject({ code: 'MERGE_CONFLICT', kind: 'failure', details: ['VERSION'] });
    expect(error.message).toBe('git merge --no-ff --no-edit v1.0.0 stopped on conflicts in 1 file: VERSION');
    expect(error.hint).toContain('then finish release 1.0.0 again');
    expect(error.actions.rerun).toMatchObject({ type: 'run', command: ['release', 'finish', '1.0.0'] });
    const main = await repo.git.output(['rev-parse', 'main']);
    const tagObject = await repo.git.output(['rev-parse', 'v1.0.0']);

    // Rerunning before the conflict is resolved is refused, and changes nothing.
    expect(await refusal(finishFlow({ ...base(repo), kind: 'release' }))).toMatchObject({
      code: 'MERGE_IN_PROGRESS',
    });

    await writeFile(path.join(repo.dir, 'VERSION'), '1.1.0-dev\n');
    await repo.git.run(['add', 'VERSION']);
    await repo.git.run(['commit', '-q', '--no-edit']);
    const resumed = await finishFlow({ ...base(repo), kind: 'release' });
    expect(resumed.alreadyDone).toEqual([
      'release/1.0.0 is already merged into main',
      'tag v1.0.0 already exists',
      'v1.0.0 is already merged into develop',
    ]);
    expect(resumed.operations).toEqual(['git branch -d release/1.0.0']);
    expect(await repo.git.output(['rev-parse', 'main'])).toBe(main);
    expect(await repo.git.output(['rev-parse', 'v1.0.0'])).toBe(tagObject);
    expect(await releaseMerges(repo)).toBe(1);
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('develop');
  });

  it('stops on a conflict in the merge into main, then tags and back-merges without merging again', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0' });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    // Someone committed to main directly, touching the same file.
    await repo.git.run(['checkout', '-q', 'main']);
    await commitFile(repo, 'VERSION', '0.9.1\n', 'Set the version on main');
    await repo.git.run(['checkout', '-q', 'release/1.0.0']);

    const error = await refusal(finishFlow({ ...base(repo), kind: 'release' }));
    expect(error).toMatchObject({ code: 'MERGE_CONFLICT', kind: 'failure', details: ['VERSION'] });
    expect(error.message).toBe(
      'git merge --no-ff --no-edit release/1.0.0 stopped on conflicts in 1 file: VERSION',
    );
    expect(error.hint).toContain('then finish release 1.0.0 again');
    expect(error.actions.rerun).toMatchObject({ type: 'run', command: ['release', 'finish', '1.0.0'] });
    expect(await repo.git.output(['tag', '--list', 'v1.0.0'])).toBe('');

    await writeFile(path.join(repo.dir, 'VERSION'), '1.0.0\n');
    await repo.git.run(['add', 'VERSION']);
    await repo.git.run(['commit', '-q', '--no-edit']);
    const merge = await repo.git.output(['rev-parse', 'main']);
    const resumed = await finishFlow({ ...base(repo), kind: 'release' });
    expect(resumed.alreadyDone).toEqual(['release/1.0.0 is already merged into main']);
    expect(resumed.operations).toEqual([
      "git tag -a -m 'Release v1.0.0' v1.0.0 main",
      'git checkout develop',
      'git merge --no-ff --no-edit v1.0.0',
      'git branch -d release/1.0.0',
    ]);
    expect(await repo.git.output(['rev-parse', 'main'])).toBe(merge);
    expect(await repo.git.output(['rev-parse', 'v1.0.0^{commit}'])).toBe(merge);
    expect(await releaseMerges(repo)).toBe(1);
    expect(await repo.git.output(['log', '-1', '--format=%s', 'develop'])).toBe(
      "Merge tag 'v1.0.0' into develop",
    );
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('develop');
  });

  it('pushes atomically: a remote that rejects one ref gets none, and a rerun completes the finish', async () => {
    const repo = await developRepo();
    await startFlow({ ...base(repo), kind: 'release', version: '1.0.0', push: true });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await repo.git.run(['push', '-q']);
    const hook = path.join(repo.origin, 'hooks', 'update');
    await writeFile(
      hook,
      '#!/bin/sh\nif [ "$1" = refs/tags/v1.0.0 ]; then echo "tags are frozen today" >&2; exit 1; fi\n',
    );
    await chmod(hook, 0o755);
    const origin = createGitRunner({ cwd: repo.origin, env: testGitEnv() });
    const remoteBefore = await origin.output(['for-each-ref', '--format=%(refname) %(objectname)']);

    const error = await refusal(finishFlow({ ...base(repo), kind: 'release', push: true }));
    expect(error).toMatchObject({ code: 'PUSH_REJECTED', kind: 'failure' });
    expect(error.details.join('\n')).toContain('tags are frozen today');
    expect(await origin.output(['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(remoteBefore);
    const main = await repo.git.output(['rev-parse', 'main']);
    const tagObject = await repo.git.output(['rev-parse', 'v1.0.0']);
    expect(await repo.git.output(['branch', '--list', 'release/1.0.0'])).toContain('release/1.0.0');

    await rm(hook);
    const remoteTip = await origin.output(['rev-parse', 'release/1.0.0']);
    const resumed = await finishFlow({ ...base(repo), kind: 'release', push: true });
    expect(resumed.operations).toEqual([
      'git fetch --quiet origin +refs/heads/release/1.0.0:refs/remotes/origin/release/1.0.0',
      `git push --atomic --force-with-lease=refs/heads/release/1.0.0:${remoteTip} origin refs/heads/main refs/heads/develop refs/tags/v1.0.0 :refs/heads/release/1.0.0`,
      'git branch -d release/1.0.0',
    ]);
    expect(await origin.output(['rev-parse', 'main'])).toBe(main);
    expect(await origin.output(['rev-parse', 'v1.0.0'])).toBe(tagObject);
    expect(await origin.output(['rev-parse', 'develop'])).toBe(
      await repo.git.output(['rev-parse', 'develop']),
    );
    expect(await origin.output(['branch', '--list', 'release/*'])).toBe('');
    expect(await releaseMerges(repo)).toBe(1);
  });
});

describe('hotfix finish', () => {
  it('merges into main, tags, back-merges into develop and ends on develop', async () => {
    const repo = await developRepo();
    await withFirstRelease(repo);
    await startFlow({ ...base(repo), kind: 'hotfix' });
    await commitFile(repo, 'fix.txt', 'fixed\n', 'Fix the total');
    const result = await finishFlow({ ...base(repo), kind: 'hotfix', push: true });
    expect(result.tag).toBe('v1.0.1');
    expect(await repo.git.output(['log', '-1', '--format=%s', 'main'])).toBe("Merge branch 'hotfix/1.0.1'");
    expect(await repo.git.output(['log', '-1', '--format=%s', 'develop'])).toBe(
      "Merge tag 'v1.0.1' into develop",
    );
    expect(await repo.git.output(['symbolic-ref', '--short', 'HEAD'])).toBe('develop');
    expect(await repo.git.output(['branch', '--list', 'hotfix/*'])).toBe('');
  });
});

/** How many times a release branch was merged into main (a redone merge would make it 2). */
async function releaseMerges(repo: TestRepo): Promise<number> {
  const subjects = await repo.git.output(['log', '--format=%s', 'main']);
  return subjects.split('\n').filter((subject) => subject.startsWith("Merge branch 'release/")).length;
}

function localRefs(refs: string): string {
  return refs
    .split('\n')
    .filter((line) => !line.startsWith('refs/remotes/'))
    .join('\n');
}

/** A teammate pushes a commit to `branch` from their own clone. */
async function pushFromAnotherClone(repo: TestRepo, branch: string) {
  const other = path.join(path.dirname(repo.dir), `teammate-${branch}`);
  const env = testGitEnv();
  await createGitRunner({ cwd: path.dirname(repo.dir), env }).run([
    'clone',
    '-q',
    '-b',
    branch,
    repo.origin,
    other,
  ]);
  const teammate = { dir: other, git: createGitRunner({ cwd: other, env }) };
  await commitFile(teammate, 'teammate.txt', 'hello\n', 'Teammate work');
  await teammate.git.run(['push', '-q', 'origin', branch]);
}
