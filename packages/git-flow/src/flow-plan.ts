import type { GitConfig } from '@reletan/config';
import { type HintAction, type Plan, ReletanError } from '@reletan/core';
import { SLACK_POSTED } from './finish-journal.js';
import { type FlowServices, type FlowStep, FlowSteps, finishAgain } from './operations.js';
import type { Divergence, RefSnapshot } from './repo-state.js';
import {
  latestRelease,
  parseReleaseTag,
  type ReleaseTag,
  requireGreaterThan,
  resolveVersion,
  type VersionBump,
} from './versions.js';

/** `release` branches start from develop; `hotfix` branches from main. Both finish the same way. */
export type FlowKind = 'release' | 'hotfix';

export function flowPrefix(kind: FlowKind, git: GitConfig): string {
  return kind === 'release' ? git.releasePrefix : git.hotfixPrefix;
}

export function flowBase(kind: FlowKind, git: GitConfig): string {
  return kind === 'release' ? git.developBranch : git.mainBranch;
}

/** The facts about the working tree every flow checks first. */
export interface WorktreeFacts {
  /** Tracked files with changes. */
  dirty: readonly string[];
  mergeInProgress: boolean;
}

/** Refuses to touch a repository with a stopped merge or uncommitted changes to tracked files. */
function checkWorktree(facts: WorktreeFacts, rerun: HintAction): void {
  if (facts.mergeInProgress) {
    throw new ReletanError({
      code: 'MERGE_IN_PROGRESS',
      message: 'a merge is in progress in this repository',
      hint: 'resolve the conflicts, "git add" the files and "git commit" (or "git merge --abort"), then {rerun} again',
      actions: { rerun },
    });
  }
  if (facts.dirty.length > 0) {
    const shown = facts.dirty.slice(0, 10);
    throw new ReletanError({
      code: 'WORKTREE_DIRTY',
      message: `the working tree has uncommitted changes to ${facts.dirty.length} tracked file${facts.dirty.length === 1 ? '' : 's'}`,
      details:
        facts.dirty.length > shown.length
          ? [...shown, `… and ${facts.dirty.length - shown.length} more`]
          : shown,
      hint: 'commit or stash them ("git stash"), then {rerun} again',
      actions: { rerun },
    });
  }
}

/** Refuses a local branch that is behind or has diverged from the remote's copy (as last fetched). */
function checkUpToDate(
  branch: string,
  divergence: Divergence | undefined,
  remote: string,
  fetched: boolean,
): void {
  if (divergence === undefined || divergence === 'equal' || divergence === 'ahead') return;
  const where = `${remote}/${branch}`;
  if (divergence === 'behind') {
    throw new ReletanError({
      code: 'BRANCH_BEHIND',
      message: `local branch ${branch} is behind ${where}${fetched ? '' : ' (as last fetched)'}`,
      hint: `update it ("git checkout ${branch} && git pull --ff-only ${remote} ${branch}"), then run this again`,
    });
  }
  throw new ReletanError({
    code: 'BRANCH_DIVERGED',
    message: `local branch ${branch} and ${where} have diverged${fetched ? '' : ' (as last fetched)'}`,
    hint: `reconcile them first (e.g. "git checkout ${branch} && git pull --rebase ${remote} ${branch}"), then run this again`,
  });
}

/**
 * The flow branches of a kind (names starting with its prefix), sorted: the local ones, and with
 * `'local-or-remote'` also those on the remote as last fetched.
 */
export function flowBranches(
  kind: FlowKind,
  git: GitConfig,
  refs: RefSnapshot,
  where: 'local' | 'local-or-remote',
): string[] {
  const prefix = flowPrefix(kind, git);
  const names = new Set<string>();
  for (const name of refs.heads.keys()) if (name.startsWith(prefix)) names.add(name);
  if (where === 'local-or-remote')
    for (const name of refs.remoteBranches.keys()) if (name.startsWith(prefix)) names.add(name);
  return [...names].sort();
}

/** The version a flow branch finishes (`release/1.2.0` → `1.2.0`) and its tag; refuses a branch not named so. */
export function flowVersion(
  kind: FlowKind,
  git: GitConfig,
  branch: string,
): { version: string; tag: string } {
  const prefix = flowPrefix(kind, git);
  const version = parseReleaseTag(branch.slice(prefix.length), '');
  if (!branch.startsWith(prefix) || version === undefined) {
    throw new ReletanError({
      code: 'BRANCH_NOT_VERSION',
      message: `branch ${branch} is not named ${prefix}<semver version>`,
      hint: `rename it (e.g. "git branch -m ${branch} ${prefix}1.2.0"), then {finish} again`,
      actions: { finish: { type: 'run', command: [kind, 'finish'], words: `finish the ${kind}` } },
    });
  }
  return { version, tag: `${git.tagPrefix}${version}` };
}

export interface StartFacts extends WorktreeFacts {
  kind: FlowKind;
  git: GitConfig;
  refs: RefSnapshot;
  /** The base branch relative to the remote's copy; undefined when the remote has none. */
  baseDivergence: Divergence | undefined;
  /** The last release reachable from the base branch: the default version bumps it. */
  lastReachable: ReleaseTag | undefined;
  requestedVersion?: string | undefined;
  bump?: VersionBump | undefined;
  push: boolean;
  fetched: boolean;
  remoteConfigured: boolean;
}

export interface StartPlan extends Plan<FlowServices> {
  version: string;
  branch: string;
  base: string;
  tag: string;
  /** The last release (reachable from the base), where the notes of the new branch start. */
  previous: ReleaseTag | undefined;
  steps: FlowStep[];
}

/**
 * Decides what `release start` / `hotfix start` does, or refuses (exit 1) and says why: a stopped merge,
 * uncommitted changes, a base behind or diverged from its remote, a flow branch already in progress, a tag
 * or branch that exists, a version not greater than the last release.
 */
export function planStart(facts: StartFacts): StartPlan {
  const { kind, git, refs } = facts;
  const base = flowBase(kind, git);
  checkWorktree(facts, { type: 'run', command: [kind, 'start'], words: `start the ${kind}` });
  if (!refs.heads.has(base)) {
    throw new ReletanError({
      code: 'BASE_BRANCH_MISSING',
      message: `the ${kind} base branch ${base} does not exist locally`,
      hint: refs.remoteBranches.has(base)
        ? `create it from the remote: "git branch ${base} ${git.remote}/${base}"`
        : `create it ("git branch ${base} ${git.mainBranch}"), or set git.${kind === 'release' ? 'developBranch' : 'mainBranch'} in the reletan config`,
    });
  }
  checkUpToDate(base, facts.baseDivergence, git.remote, facts.fetched);
  const version = resolveVersion({
    requested: facts.requestedVersion,
    bump: facts.bump ?? (kind === 'release' ? 'minor' : 'patch'),
    base: facts.lastReachable,
    tagPrefix: git.tagPrefix,
  });
  const tag = `${git.tagPrefix}${version}`;
  const branch = `${flowPrefix(kind, git)}${version}`;
  if (refs.tags.has(tag)) {
    throw new ReletanError({
      code: 'TAG_EXISTS',
      message: `tag ${tag} already exists`,
      hint: 'pick another version',
    });
  }
  if (refs.heads.has(branch) || refs.remoteBranches.has(branch)) {
    throw new ReletanError({
      code: 'BRANCH_EXISTS',
      message: `branch ${refs.heads.has(branch) ? branch : `${git.remote}/${branch}`} already exists`,
      hint: '{finish} first, or pick another version',
      actions: { finish: finishAgain(kind, version) },
    });
  }
  // After the tag and branch checks, which name the exact clash, and before anything else.
  requireGreaterThan(version, latestRelease(refs.tags.keys(), git.tagPrefix));
  const inProgress = flowBranches(kind, git, refs, 'local-or-remote');
  if (inProgress.length > 0) {
    const first = inProgress[0] ?? '';
    const local = refs.heads.has(first);
    throw new ReletanError({
      code: kind === 'release' ? 'RELEASE_IN_PROGRESS' : 'HOTFIX_IN_PROGRESS',
      message: `a ${kind} is already in progress: ${local ? first : `${git.remote}/${first}`}`,
      hint: '{finish} first',
      actions: { finish: finishAgain(kind, first.slice(flowPrefix(kind, git).length)) },
    });
  }
  if (facts.push && !facts.remoteConfigured) throw noRemote(git.remote);
  const plan = new FlowSteps();
  plan.git(['checkout', '-b', branch, base]);
  if (facts.push) plan.git(['push', '--set-upstream', git.remote, branch]);
  return { version, branch, base, tag, previous: facts.lastReachable, steps: plan.steps, done: [] };
}

export interface FinishFacts extends WorktreeFacts {
  kind: FlowKind;
  git: GitConfig;
  refs: RefSnapshot;
  /** The flow branch being finished, its version and the tag it gets (see `flowVersion`). */
  branch: string;
  version: string;
  tag: string;
  currentBranch: string | undefined;
  /** The flow branch, main and develop relative to the remote's copies (absent: no remote copy). */
  divergence: ReadonlyMap<string, Divergence>;
  /** The flow branch's tip is already in main. */
  mergedIntoMain: boolean;
  /** The flow branch's tip is in main's first-parent history: it never had commits of its own. */
  onMainline: boolean;
  /** The flow branch relative to main (for a branch not yet merged). */
  againstMain: Divergence;
  /** The tag of this version, if it exists: whether it is the one an earlier finish of this branch made. */
  tagState: 'absent' | 'this-branch' | 'other';
  /** The tag's commit is already in develop. */
  tagMergedIntoDevelop: boolean;
  push: boolean;
  keep: boolean;
  /** The whole remote was fetched (`--fetch`). */
  fetched: boolean;
  /** The flow branch was fetched from the remote just now (always done when the remote has a copy). */
  branchFetched: boolean;
  remoteConfigured: boolean;
  /** The annotated tag's message. */
  message: string;
  githubRelease?: { repository: string } | undefined;
  /** The variable holding the Slack webhook URL, when it is set: the notes are posted. */
  slackVariable?: string | undefined;
  /** An earlier run of this finish posted the notes to Slack (as its journal records, see finish-journal.ts). */
  slackPosted: boolean;
}

export interface FinishPlan extends Plan<FlowServices> {
  version: string;
  tag: string;
  /** Steps an earlier, interrupted finish already did, which are not done again. */
  done: string[];
  steps: FlowStep[];
  /** The steps push main, develop and the tag (one atomic push). */
  pushes: boolean;
  /** The steps delete the flow branch on the remote. */
  deletesRemoteBranch: boolean;
}

/**
 * Decides what `release finish` / `hotfix finish` does, following git-flow AVH: a `--no-ff` merge of the
 * branch into main, an annotated tag on that merge, a `--no-ff` merge of the tag into develop, deletion of
 * the branch (remote, then local), ending on develop. Steps an interrupted finish already did are skipped,
 * so a rerun completes it; `--push` sends main, develop, the tag and the remote branch's deletion in one
 * atomic push, before the local branch is deleted, so a rejected push is retried by a rerun too.
 */
export function planFinish(facts: FinishFacts): FinishPlan {
  const { kind, git, refs, branch, version, tag } = facts;
  const prefix = flowPrefix(kind, git);
  checkWorktree(facts, finishAgain(kind, version));
  for (const name of [branch, git.mainBranch, git.developBranch]) {
    if (!refs.heads.has(name)) {
      throw new ReletanError({
        code: 'BRANCH_MISSING',
        message: `branch ${name} does not exist locally`,
        hint: refs.remoteBranches.has(name)
          ? `create it from the remote: "git branch ${name} ${git.remote}/${name}"`
          : 'check the git.* branch names in the reletan config',
      });
    }
    checkUpToDate(
      name,
      facts.divergence.get(name),
      git.remote,
      facts.fetched || (name === branch && facts.branchFetched),
    );
  }
  if (facts.tagState === 'other') {
    throw new ReletanError({
      code: 'TAG_EXISTS',
      message: `tag ${tag} already exists and is not the merge of ${branch}`,
      hint: `a release ${version} was made some other way; rename the branch to a new version ("git branch -m ${branch} ${prefix}<version>")`,
    });
  }
  requireGreaterThan(
    version,
    latestRelease(
      [...refs.tags.keys()].filter((name) => name !== tag),
      git.tagPrefix,
    ),
  );
  if (facts.tagState === 'absent' && (facts.onMainline || facts.againstMain === 'equal')) {
    throw new ReletanError({
      code: kind === 'hotfix' ? 'HOTFIX_EMPTY' : 'RELEASE_EMPTY',
      message: `${branch} has no commits beyond ${git.mainBranch}: there is nothing to ${kind === 'hotfix' ? 'fix' : 'release'}`,
      hint: `commit the ${kind === 'hotfix' ? 'fix' : 'release changes'} on ${branch} first, or delete it ("git branch -d ${branch}")`,
    });
  }
  if (!facts.mergedIntoMain && facts.againstMain === 'unrelated') {
    throw new ReletanError({
      code: 'BRANCH_UNRELATED',
      message: `${branch} has no common history with ${git.mainBranch}`,
      hint: `recreate it from ${git.mainBranch}`,
    });
  }
  if (facts.push && !facts.remoteConfigured) throw noRemote(git.remote);

  const plan = new FlowSteps();
  const done: string[] = [];
  let head = facts.currentBranch;
  const checkout = (name: string) => {
    if (head !== name) plan.git(['checkout', name]);
    head = name;
  };

  if (facts.mergedIntoMain) done.push(`${branch} is already merged into ${git.mainBranch}`);
  else {
    checkout(git.mainBranch);
    plan.git(['merge', '--no-ff', '--no-edit', branch]);
  }
  if (facts.tagState === 'this-branch') done.push(`tag ${tag} already exists`);
  else plan.git(['tag', '-a', '-m', facts.message, tag, git.mainBranch]);
  if (facts.tagMergedIntoDevelop) done.push(`${tag} is already merged into ${git.developBranch}`);
  else {
    checkout(git.developBranch);
    plan.git(['merge', '--no-ff', '--no-edit', tag]);
  }

  // The remote's branch is deleted only if it still is what was checked: a commit pushed there since is
  // not lost, the push is refused (the lease is on the value just fetched).
  const remoteTip = facts.keep ? undefined : refs.remoteBranches.get(branch);
  const deletion =
    remoteTip === undefined
      ? { lease: [], refspec: [] }
      : {
          lease: [`--force-with-lease=refs/heads/${branch}:${remoteTip}`],
          refspec: [`:refs/heads/${branch}`],
        };
  if (facts.push) {
    plan.git([
      'push',
      '--atomic',
      ...deletion.lease,
      git.remote,
      `refs/heads/${git.mainBranch}`,
      `refs/heads/${git.developBranch}`,
      `refs/tags/${tag}`,
      ...deletion.refspec,
    ]);
  } else if (remoteTip !== undefined) {
    plan.git(['push', ...deletion.lease, git.remote, ...deletion.refspec]);
  }
  if (facts.githubRelease) plan.githubRelease(facts.githubRelease.repository, tag);
  if (facts.slackPosted) done.push('the release notes are already posted to Slack');
  else if (facts.slackVariable) {
    plan.slack(facts.slackVariable);
    // Recorded in the finish's journal, the repository's git config (see slack-journal.ts), so a rerun
    // after a later step failed does not post the notes twice.
    plan.record(tag, SLACK_POSTED);
  }
  if (!facts.keep) {
    if (head === branch) checkout(git.developBranch);
    plan.git(['branch', '-d', branch]);
  }
  checkout(git.developBranch);
  return {
    version,
    tag,
    done,
    steps: plan.steps,
    pushes: facts.push,
    deletesRemoteBranch: remoteTip !== undefined,
  };
}

function noRemote(remote: string): ReletanError {
  return new ReletanError({
    code: 'REMOTE_MISSING',
    message: `there is no remote "${remote}" to push to`,
    hint: `add it ("git remote add ${remote} URL"), set git.remote in the reletan config, or {noPush}`,
    actions: { noPush: { type: 'option', name: 'push', use: 'omit', words: 'do not push' } },
  });
}
