// Helpers for this package's tests: real repositories with a bare origin and a pull-request history.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ReletanConfig, validateConfig } from '@reletan/config';
import { createGitRunner, type GitRunner } from '@reletan/core';
import {
  copyOfTemplateRepo,
  createTestRepo,
  makeTempDir,
  type TestRepo,
  testGitEnv,
} from '@reletan/core/testing';

/**
 * Fixed identities and dates make every commit and tag object depend on its content alone, so two
 * repositories that went through the same steps have the same SHAs.
 */
export const FIXED_DATE_ENV = testGitEnv({
  GIT_AUTHOR_DATE: '2024-05-01T09:00:00+00:00',
  GIT_COMMITTER_DATE: '2024-05-01T09:00:00+00:00',
  GIT_MERGE_AUTOEDIT: 'no',
  GIT_EDITOR: 'true',
});

export const defaultConfig = (): ReletanConfig => validateConfig({});

export async function commitFile(
  repo: { dir: string; git: GitRunner },
  file: string,
  content: string,
  message: string,
) {
  await writeFile(path.join(repo.dir, file), content);
  await repo.git.run(['add', file]);
  await repo.git.run(['commit', '-q', '-m', message]);
}

/** A feature branch merged with GitHub's merge-commit message. */
export async function mergePullRequest(
  repo: { dir: string; git: GitRunner },
  number: number,
  title: string,
  base = 'develop',
) {
  const branch = `feature/pr-${number}`;
  await repo.git.run(['checkout', '-q', '-b', branch, base]);
  await commitFile(repo, `pr-${number}.txt`, `${title}\n`, `Work on ${title}`);
  await repo.git.run(['checkout', '-q', base]);
  await repo.git.run([
    'merge',
    '-q',
    '--no-ff',
    '-m',
    `Merge pull request #${number} from acme/${branch}\n\n${title}`,
    branch,
  ]);
  await repo.git.run(['branch', '-q', '-D', branch]);
}

/** A pull request squashed by GitHub: "Title (#N)". */
export async function squashPullRequest(
  repo: { dir: string; git: GitRunner },
  number: number,
  title: string,
) {
  await commitFile(repo, `pr-${number}.txt`, `${title}\n`, `${title} (#${number})`);
}

export interface FlowRepo {
  dir: string;
  origin: string;
  git: GitRunner;
  cleanup(): Promise<void>;
}

/**
 * main and develop, a few pull requests on develop, everything pushed to a bare origin, with fixed dates
 * (so every copy has the same SHAs). Built once per test file and copied.
 */
export async function createFlowRepo(): Promise<FlowRepo> {
  return copyOfTemplateRepo(
    'git-flow:createFlowRepo',
    async () => {
      const root = await makeTempDir('reletan-flow-');
      const dir = path.join(root.path, 'work');
      const origin = path.join(root.path, 'origin.git');
      const env = FIXED_DATE_ENV;
      await createGitRunner({ cwd: root.path, env }).run(['init', '-q', '-b', 'main', dir]);
      await createGitRunner({ cwd: root.path, env }).run(['init', '-q', '--bare', '-b', 'main', origin]);
      const git = createGitRunner({ cwd: dir, env });
      const repo = { ...root, dir, origin, git };
      await commitFile(repo, 'README.md', '# shop\n', 'Initial commit');
      await git.run(['remote', 'add', 'origin', origin]);
      await git.run(['push', '-q', '-u', 'origin', 'main']);
      await git.run(['checkout', '-q', '-b', 'develop']);
      await mergePullRequest(repo, 1, 'Add the cart');
      await squashPullRequest(repo, 2, 'Fix the price rounding');
      await mergePullRequest(repo, 3, 'Show stock levels');
      await git.run(['push', '-q', '-u', 'origin', 'develop']);
      return repo;
    },
    FIXED_DATE_ENV,
  );
}

/** createTestRepo plus develop with pull requests, for tests that need no fixed dates. Built once per test file and copied. */
export async function createDevelopRepo(): Promise<TestRepo> {
  return copyOfTemplateRepo('git-flow:createDevelopRepo', async () => {
    const repo = await createTestRepo();
    await repo.git.run(['checkout', '-q', '-b', 'develop']);
    await mergePullRequest(repo, 1, 'Add the cart');
    await squashPullRequest(repo, 2, 'Fix the price rounding');
    await repo.git.run(['push', '-q', '-u', 'origin', 'develop']);
    return repo;
  });
}

/** Everything the comparison with git-flow looks at: refs, tags, the remote and the whole commit graph. */
export async function snapshot(repo: { git: GitRunner; origin: string }) {
  const { git } = repo;
  const list = async (runner: GitRunner, pattern: string) =>
    (await runner.output(['for-each-ref', '--format=%(refname) %(objectname)', pattern]))
      .split('\n')
      .filter(Boolean);
  const tags = (
    await git.output([
      'for-each-ref',
      '--format=%(refname:short)|%(objecttype)|%(objectname)|%(*objectname)|%(taggername)|%(contents)%00',
      'refs/tags',
    ])
  )
    .split('\0')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const graph = (await git.output(['log', '--all', '--topo-order', '--format=%H %P%n%B%x00']))
    .split('\0')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const remote = createGitRunner({ cwd: repo.origin, env: FIXED_DATE_ENV });
  return {
    head: await git.output(['symbolic-ref', '--short', 'HEAD']),
    branches: await list(git, 'refs/heads'),
    tags,
    remoteBranches: await list(remote, 'refs/heads'),
    remoteTags: await list(remote, 'refs/tags'),
    graph,
  };
}

export interface ImportedCommit {
  message: string;
  author?: { name: string; email: string };
}

/**
 * Appends commits to `branch` in one `git fast-import` (hundreds of commits in milliseconds, where one
 * `git commit` each would take seconds).
 */
export async function importCommits(git: GitRunner, branch: string, commits: readonly ImportedCommit[]) {
  const parent = await git.output(['rev-parse', `refs/heads/${branch}`]);
  let time = 1_714_554_000;
  const chunks: string[] = [];
  commits.forEach((commit, index) => {
    const author = commit.author ?? { name: 'Dev', email: 'dev@example.com' };
    const message = `${commit.message}\n`;
    time += 60;
    chunks.push(
      `commit refs/heads/${branch}\n`,
      `author ${author.name} <${author.email}> ${time} +0000\n`,
      `committer Dev <dev@example.com> ${time} +0000\n`,
      `data ${Buffer.byteLength(message)}\n${message}`,
      index === 0 ? `from ${parent}\n` : '',
      `M 644 inline change-${index}.txt\ndata 2\n${index % 10}\n\n`,
    );
  });
  await git.run(['fast-import', '--quiet'], { input: chunks.join('') });
  await git.run(['reset', '--quiet', '--hard']);
}
