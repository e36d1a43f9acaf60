import type { GitRunner } from '@reletan/core';

/** A tag and the commit it names (annotated tags are peeled). */
export interface TagRef {
  /** The tag's own object: the tag object of an annotated tag, the commit of a lightweight one. */
  object: string;
  commit: string;
  annotated: boolean;
}

/** Every ref the flows look at, read with one `git for-each-ref`. */
export interface RefSnapshot {
  /** Local branches by short name. */
  heads: Map<string, string>;
  /** The remote's branches, as last fetched, by short name (without `remote/`). */
  remoteBranches: Map<string, string>;
  tags: Map<string, TagRef>;
}

export async function readRefs(git: GitRunner, remote: string): Promise<RefSnapshot> {
  const output = await git.output([
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)',
    'refs/heads',
    `refs/remotes/${remote}`,
    'refs/tags',
  ]);
  const snapshot: RefSnapshot = { heads: new Map(), remoteBranches: new Map(), tags: new Map() };
  const remotePrefix = `refs/remotes/${remote}/`;
  for (const line of output.split('\n')) {
    if (!line) continue;
    const [ref = '', object = '', type = '', peeled = ''] = line.split('\0');
    if (ref.startsWith('refs/heads/')) snapshot.heads.set(ref.slice('refs/heads/'.length), object);
    else if (ref.startsWith(remotePrefix)) {
      const name = ref.slice(remotePrefix.length);
      if (name !== 'HEAD') snapshot.remoteBranches.set(name, object);
    } else if (ref.startsWith('refs/tags/')) {
      snapshot.tags.set(ref.slice('refs/tags/'.length), {
        object,
        commit: type === 'tag' ? peeled : object,
        annotated: type === 'tag',
      });
    }
  }
  return snapshot;
}

/** The branch HEAD is on; undefined when detached. */
export async function currentBranch(git: GitRunner): Promise<string | undefined> {
  const result = await git.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Tracked files with changes, staged or not (untracked files are not in the way of a flow). */
export async function changedFiles(git: GitRunner): Promise<string[]> {
  const output = await git.run(['status', '--porcelain=v1', '-z', '--untracked-files=no']);
  const files: string[] = [];
  const entries = output.stdout.split('\0');
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index] ?? '';
    if (entry.length < 4) continue;
    files.push(entry.slice(3));
    // A rename or copy is followed by its source path.
    if (entry[0] === 'R' || entry[0] === 'C') index++;
  }
  return files;
}

/** Whether a merge was stopped and is waiting for the user (`MERGE_HEAD` exists). */
export async function mergeInProgress(git: GitRunner): Promise<boolean> {
  const result = await git.run(['rev-parse', '--quiet', '--verify', 'MERGE_HEAD'], { allowFailure: true });
  return result.exitCode === 0;
}

/** Files left with conflicts by a stopped merge. */
export async function conflictedFiles(git: GitRunner): Promise<string[]> {
  const output = await git.output(['diff', '--name-only', '--diff-filter=U', '-z']);
  return output.split('\0').filter(Boolean);
}

/** Whether commit `a` is `b` or one of its ancestors. */
export async function isAncestor(git: GitRunner, a: string, b: string): Promise<boolean> {
  const result = await git.run(['merge-base', '--is-ancestor', a, b], { allowFailure: true });
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  throw new Error(`git merge-base --is-ancestor ${a} ${b} failed: ${result.stderr.trim()}`);
}

/** How two commits relate, as git-flow's `git_compare_refs` sees it. */
export type Divergence = 'equal' | 'behind' | 'ahead' | 'diverged' | 'unrelated';

/** Where `local` stands relative to `other`: commits only on each side. */
export async function compareCommits(git: GitRunner, local: string, other: string): Promise<Divergence> {
  if (local === other) return 'equal';
  const base = await git.run(['merge-base', local, other], { allowFailure: true });
  if (base.exitCode !== 0) return 'unrelated';
  const mergeBase = base.stdout.trim();
  if (mergeBase === local) return 'behind';
  if (mergeBase === other) return 'ahead';
  return 'diverged';
}

/** The second parent of a commit (the merged branch of a merge commit), if it has one. */
export async function secondParent(git: GitRunner, commit: string): Promise<string | undefined> {
  const result = await git.run(['rev-parse', '--verify', '--quiet', `${commit}^2`], { allowFailure: true });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Whether the remote is configured at all. */
export async function hasRemote(git: GitRunner, remote: string): Promise<boolean> {
  const result = await git.run(['config', '--get', `remote.${remote}.url`], { allowFailure: true });
  return result.exitCode === 0;
}
