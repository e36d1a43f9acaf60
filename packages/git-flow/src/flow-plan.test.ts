import { validateConfig } from '@reletan/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FinishFacts, flowVersion, planFinish, planStart, type StartFacts } from './flow-plan.js';
import type { RefSnapshot } from './repo-state.js';

const git = validateConfig({}).git;
const sha = (n: number) => n.toString(16).padStart(40, '0');

function refs(extra: { heads?: string[]; remote?: string[]; tags?: string[] } = {}): RefSnapshot {
  return {
    heads: new Map(['main', 'develop', ...(extra.heads ?? [])].map((name, index) => [name, sha(index + 1)])),
    remoteBranches: new Map((extra.remote ?? []).map((name, index) => [name, sha(index + 100)])),
    tags: new Map(
      (extra.tags ?? []).map((name, index) => [
        name,
        { object: sha(index + 200), commit: sha(index + 300), annotated: true },
      ]),
    ),
  };
}

const startFacts = (overrides: Partial<StartFacts> = {}): StartFacts => ({
  kind: 'release',
  git,
  refs: refs({ tags: ['v1.2.0'] }),
  dirty: [],
  mergeInProgress: false,
  baseDivergence: 'equal',
  lastReachable: { tag: 'v1.2.0', version: '1.2.0' },
  push: false,
  fetched: false,
  remoteConfigured: true,
  ...overrides,
});

describe('planning a start', () => {
  it('bumps the last release reachable from the base', () => {
    expect(planStart(startFacts())).toMatchObject({
      version: '1.3.0',
      branch: 'release/1.3.0',
      base: 'develop',
    });
    expect(planStart(startFacts({ kind: 'hotfix' }))).toMatchObject({
      version: '1.2.1',
      branch: 'hotfix/1.2.1',
      base: 'main',
    });
  });

  it('refuses, before choosing anything, a tree with changes or a stopped merge', () => {
    expect(() => planStart(startFacts({ dirty: ['a.php'] }))).toThrow(
      expect.objectContaining({ code: 'WORKTREE_DIRTY' }),
    );
    expect(() => planStart(startFacts({ mergeInProgress: true }))).toThrow(
      expect.objectContaining({ code: 'MERGE_IN_PROGRESS' }),
    );
  });

  it('allows a base ahead of its remote, refuses one behind or diverged', () => {
    expect(planStart(startFacts({ baseDivergence: 'ahead' })).version).toBe('1.3.0');
    for (const baseDivergence of ['behind', 'diverged', 'unrelated'] as const) {
      expect(() => planStart(startFacts({ baseDivergence }))).toThrow(
        expect.objectContaining({
          kind: 'failure',
          code: baseDivergence === 'behind' ? 'BRANCH_BEHIND' : 'BRANCH_DIVERGED',
        }),
      );
    }
  });

  it('refuses --push without the remote', () => {
    expect(() => planStart(startFacts({ push: true, remoteConfigured: false }))).toThrow(
      expect.objectContaining({ code: 'REMOTE_MISSING' }),
    );
  });
});

const finishFacts = (overrides: Partial<FinishFacts> = {}): FinishFacts => ({
  kind: 'release',
  git,
  refs: refs({ heads: ['release/1.3.0'], tags: ['v1.2.0'] }),
  branch: 'release/1.3.0',
  version: '1.3.0',
  tag: 'v1.3.0',
  currentBranch: 'release/1.3.0',
  dirty: [],
  mergeInProgress: false,
  divergence: new Map(),
  mergedIntoMain: false,
  onMainline: false,
  againstMain: 'diverged',
  tagState: 'absent',
  tagMergedIntoDevelop: false,
  push: false,
  keep: false,
  fetched: false,
  branchFetched: false,
  slackPosted: false,
  remoteConfigured: true,
  message: 'Release v1.3.0',
  ...overrides,
});

const gitLines = (facts: FinishFacts) =>
  planFinish(facts).steps.flatMap((step) => (step.type === 'git' ? [step.args.join(' ')] : [step.type]));

describe('planning a finish, whatever an earlier run already did', () => {
  const progress = fc.record({
    mergedIntoMain: fc.boolean(),
    tagDone: fc.boolean(),
    tagMergedIntoDevelop: fc.boolean(),
    push: fc.boolean(),
    keep: fc.boolean(),
    remoteBranch: fc.boolean(),
    currentBranch: fc.constantFrom('release/1.3.0', 'main', 'develop', undefined),
    slack: fc.boolean(),
    slackPosted: fc.boolean(),
  });

  it('does each step once, in git-flow order, and ends on develop without deleting the branch it is on', () => {
    fc.assert(
      fc.property(progress, (state) => {
        const facts = finishFacts({
          mergedIntoMain: state.mergedIntoMain || state.tagDone,
          tagState: state.tagDone ? 'this-branch' : 'absent',
          tagMergedIntoDevelop: state.tagDone && state.tagMergedIntoDevelop,
          push: state.push,
          keep: state.keep,
          currentBranch: state.currentBranch,
          slackVariable: state.slack ? 'SLACK_WEBHOOK_URL' : undefined,
          slackPosted: state.slackPosted,
          refs: refs({
            heads: ['release/1.3.0'],
            tags: ['v1.2.0', ...(state.tagDone ? ['v1.3.0'] : [])],
            remote: state.remoteBranch ? ['release/1.3.0'] : [],
          }),
        });
        const lines = gitLines(facts);
        const index = (line: string) => lines.indexOf(line);
        const merges = lines.filter((line) => line.startsWith('merge'));
        expect(merges).toEqual([
          ...(facts.mergedIntoMain ? [] : ['merge --no-ff --no-edit release/1.3.0']),
          ...(facts.tagMergedIntoDevelop ? [] : ['merge --no-ff --no-edit v1.3.0']),
        ]);
        expect(lines.filter((line) => line.startsWith('tag'))).toEqual(
          state.tagDone ? [] : ['tag -a -m Release v1.3.0 v1.3.0 main'],
        );
        // The tag goes on main's merge, so it comes after the merge into main and before the back-merge,
        // which merges the tag; the push comes after all three.
        const tagLine = 'tag -a -m Release v1.3.0 v1.3.0 main';
        const mainMerge = index('merge --no-ff --no-edit release/1.3.0');
        const backMerge = index('merge --no-ff --no-edit v1.3.0');
        if (!state.tagDone) {
          if (!facts.mergedIntoMain) expect(index(tagLine)).toBeGreaterThan(mainMerge);
          expect(backMerge).toBeGreaterThan(index(tagLine));
        }
        if (!facts.mergedIntoMain && backMerge !== -1) expect(backMerge).toBeGreaterThan(mainMerge);
        for (const push of lines.filter((line) => line.startsWith('push')))
          expect(index(push)).toBeGreaterThan(Math.max(mainMerge, index(tagLine), backMerge));
        // Each merge happens on its target branch, after the previous steps.
        let head: string | undefined = state.currentBranch;
        for (const line of lines) {
          if (line.startsWith('checkout ')) head = line.slice('checkout '.length);
          if (line === 'merge --no-ff --no-edit release/1.3.0') expect(head).toBe('main');
          if (line === 'merge --no-ff --no-edit v1.3.0') expect(head).toBe('develop');
          if (line === 'branch -d release/1.3.0') expect(head).not.toBe('release/1.3.0');
        }
        expect(head).toBe('develop');
        const pushes = lines.filter((line) => line.startsWith('push'));
        const deleteRemote = state.remoteBranch && !state.keep;
        // The deletion is leased on the remote branch's value as fetched (sha(100) in these refs).
        const lease = `--force-with-lease=refs/heads/release/1.3.0:${sha(100)} `;
        if (state.push) {
          expect(pushes).toEqual([
            deleteRemote
              ? `push --atomic ${lease}origin refs/heads/main refs/heads/develop refs/tags/v1.3.0 :refs/heads/release/1.3.0`
              : 'push --atomic origin refs/heads/main refs/heads/develop refs/tags/v1.3.0',
          ]);
        } else {
          expect(pushes).toEqual(deleteRemote ? [`push ${lease}origin :refs/heads/release/1.3.0`] : []);
        }
        // Slack is posted once: a post an earlier run made is recorded and not made again.
        const plan = planFinish(facts);
        const slackSteps = plan.steps.filter((step) => step.type === 'slack');
        expect(slackSteps).toHaveLength(state.slack && !state.slackPosted ? 1 : 0);
        expect(lines.filter((line) => line.startsWith('config '))).toEqual(
          slackSteps.length ? ['config reletan.v1.3.0.slackPosted true'] : [],
        );
        if (slackSteps.length)
          expect(index('config reletan.v1.3.0.slackPosted true')).toBe(index('slack') + 1);
        expect(plan.done.includes('the release notes are already posted to Slack')).toBe(state.slackPosted);
        // The local branch goes last, so a rejected push is retried by a rerun that still finds it.
        if (!state.keep)
          expect(index('branch -d release/1.3.0')).toBeGreaterThan(Math.max(...pushes.map(index), -1));
        else expect(lines).not.toContain('branch -d release/1.3.0');
      }),
    );
  });

  it('refuses a tag of the same name made some other way, and a release without commits', () => {
    expect(() => planFinish(finishFacts({ tagState: 'other' }))).toThrow(
      expect.objectContaining({ code: 'TAG_EXISTS' }),
    );
    expect(() => planFinish(finishFacts({ mergedIntoMain: true, onMainline: true }))).toThrow(
      expect.objectContaining({ code: 'RELEASE_EMPTY' }),
    );
    expect(() =>
      planFinish(
        finishFacts({
          kind: 'hotfix',
          branch: 'hotfix/1.3.0',
          againstMain: 'equal',
          refs: refs({ heads: ['hotfix/1.3.0'] }),
        }),
      ),
    ).toThrow(expect.objectContaining({ code: 'HOTFIX_EMPTY' }));
  });

  it('refuses a version not greater than another release, and a branch that is not a version', () => {
    expect(() =>
      planFinish(finishFacts({ refs: refs({ heads: ['release/1.3.0'], tags: ['v2.0.0'] }) })),
    ).toThrow(expect.objectContaining({ code: 'VERSION_NOT_GREATER' }));
    expect(() => flowVersion('release', git, 'release/spring')).toThrow(
      expect.objectContaining({ code: 'BRANCH_NOT_VERSION' }),
    );
    expect(flowVersion('hotfix', git, 'hotfix/1.3.1-rc.1')).toEqual({
      version: '1.3.1-rc.1',
      tag: 'v1.3.1-rc.1',
    });
  });
});
