import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { finishFlow, startFlow } from './flow.js';
import {
  commitFile,
  createFlowRepo,
  defaultConfig,
  FIXED_DATE_ENV,
  type FlowRepo,
  mergePullRequest,
  snapshot,
} from './test-support.js';

// git-flow AVH is the oracle: the same steps through `git flow` and through reletan must leave the same
// branches, tags (annotated, same messages and targets), remote refs and commit graph, down to the SHAs.
let gitFlowVersion: string | undefined;
beforeAll(() => {
  const result = spawnSync('git', ['flow', 'version'], { env: FIXED_DATE_ENV, encoding: 'utf8' });
  gitFlowVersion = result.status === 0 ? result.stdout.trim() : undefined;
});

const repos: FlowRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()));
});

function requireGitFlow(): void {
  if (!gitFlowVersion) {
    throw new Error(
      'git-flow (AVH edition) is not installed, and it is the reference these tests compare against: install git-flow (apt-get install git-flow), or on macOS brew install git-flow-avh',
    );
  }
}

/**
 * Runs git-flow. Its tag message is given through the editor, git-flow's default path: with -m, AVH 1.12
 * appends the tag name to the message ("Release v1.1.0 v1.1.0", gitflow-avh issue #351).
 */
function gitFlow(repo: FlowRepo, tagMessage: string | undefined, ...args: string[]): void {
  const env = tagMessage
    ? { ...FIXED_DATE_ENV, FLOW_TAG_MESSAGE: tagMessage, GIT_EDITOR: `printf '%s\\n' "$FLOW_TAG_MESSAGE" >` }
    : FIXED_DATE_ENV;
  const result = spawnSync('git', ['flow', ...args], { cwd: repo.dir, env, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`git flow ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

async function twoIdenticalRepos(): Promise<[FlowRepo, FlowRepo]> {
  const oracle = await createFlowRepo();
  const ours = await createFlowRepo();
  repos.push(oracle, ours);
  gitFlow(oracle, undefined, 'init', '-d');
  await oracle.git.run(['config', 'gitflow.prefix.versiontag', 'v']);
  // The starting points are the same commits: the comparison below is of what the flows add.
  expect(await ours.git.output(['rev-parse', 'develop'])).toBe(
    await oracle.git.output(['rev-parse', 'develop']),
  );
  return [oracle, ours];
}

const flow = (repo: FlowRepo) => ({ git: repo.git, config: defaultConfig(), env: FIXED_DATE_ENV });

describe('behaving exactly like git-flow AVH', () => {
  it('reports the git-flow it compares against', () => {
    requireGitFlow();
    expect(gitFlowVersion).toMatch(/AVH/);
  });

  it('release start, publish and finish with push: same branches, tags, remote and graph', async () => {
    requireGitFlow();
    const [oracle, ours] = await twoIdenticalRepos();

    gitFlow(oracle, undefined, 'release', 'start', '1.1.0');
    gitFlow(oracle, undefined, 'release', 'publish', '1.1.0');
    await startFlow({ ...flow(ours), kind: 'release', version: '1.1.0', push: true });
    for (const repo of [oracle, ours]) {
      await commitFile(repo, 'VERSION', '1.1.0\n', 'Bump version to 1.1.0');
      await repo.git.run(['push', '-q', 'origin', 'release/1.1.0']);
    }
    expect(await snapshot(ours)).toEqual(await snapshot(oracle));

    gitFlow(oracle, 'Release v1.1.0', 'release', 'finish', '-p', '1.1.0');
    const result = await finishFlow({ ...flow(ours), kind: 'release', push: true });
    expect(result.tag).toBe('v1.1.0');

    const after = await snapshot(ours);
    expect(after).toEqual(await snapshot(oracle));
    expect(after.head).toBe('develop');
    expect(after.remoteBranches.map((line) => line.split(' ')[0])).toEqual([
      'refs/heads/develop',
      'refs/heads/main',
    ]);
    expect(after.tags[0]).toMatch(/^v1\.1\.0\|tag\|/);
    expect(after.graph[0]).toMatch(
      /^[0-9a-f]{40} [0-9a-f]{40} [0-9a-f]{40}\nMerge tag 'v1\.1\.0' into develop\n\nRelease v1\.1\.0$/,
    );
  });

  it('hotfix start and finish with push, after a release: same result', async () => {
    requireGitFlow();
    const [oracle, ours] = await twoIdenticalRepos();
    gitFlow(oracle, undefined, 'release', 'start', '1.1.0');
    await startFlow({ ...flow(ours), kind: 'release', version: '1.1.0' });
    gitFlow(oracle, 'Release v1.1.0', 'release', 'finish', '-p', '1.1.0');
    await finishFlow({ ...flow(ours), kind: 'release', push: true });
    for (const repo of [oracle, ours]) {
      await mergePullRequest(repo, 4, 'Search by colour');
      await repo.git.run(['push', '-q', 'origin', 'develop']);
    }

    gitFlow(oracle, undefined, 'hotfix', 'start', '1.1.1');
    const started = await startFlow({ ...flow(ours), kind: 'hotfix' });
    expect(started.branch).toBe('hotfix/1.1.1');
    for (const repo of [oracle, ours])
      await commitFile(repo, 'price.txt', 'fixed\n', 'Fix the checkout total');
    gitFlow(oracle, 'Release v1.1.1', 'hotfix', 'finish', '-p', '1.1.1');
    await finishFlow({ ...flow(ours), kind: 'hotfix', push: true });

    const after = await snapshot(ours);
    expect(after).toEqual(await snapshot(oracle));
    expect(after.head).toBe('develop');
    expect(after.branches.map((line) => line.split(' ')[0])).toEqual([
      'refs/heads/develop',
      'refs/heads/main',
    ]);
  });

  it('release finish without push deletes the published branch on the remote, as git-flow does', async () => {
    requireGitFlow();
    const [oracle, ours] = await twoIdenticalRepos();
    gitFlow(oracle, undefined, 'release', 'start', '1.0.0');
    gitFlow(oracle, undefined, 'release', 'publish', '1.0.0');
    await startFlow({ ...flow(ours), kind: 'release', bump: 'major', push: true });
    gitFlow(oracle, 'Two', 'release', 'finish', '1.0.0');
    const result = await finishFlow({ ...flow(ours), kind: 'release', message: 'Two' });
    expect(result.pushed).toBe(false);

    const after = await snapshot(ours);
    expect(after).toEqual(await snapshot(oracle));
    // main, develop and the tag stay local until pushed; only the branch deletion went out.
    expect(after.remoteBranches.map((line) => line.split(' ')[0])).toEqual([
      'refs/heads/develop',
      'refs/heads/main',
    ]);
    expect(after.remoteTags).toEqual([]);
  });
});
