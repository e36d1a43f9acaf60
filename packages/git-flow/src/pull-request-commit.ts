/** A commit as release notes read it from `git log`. */
export interface LogCommit {
  sha: string;
  subject: string;
  body: string;
  authorName: string;
  authorEmail: string;
}

/** A pull request found in a commit message. */
export interface PullRequestCommit {
  number: number;
  title: string;
  /** `merge`: GitHub's "Merge pull request #N from owner/branch"; `squash`: "Title (#N)". */
  kind: 'merge' | 'squash';
  /** The head branch, for merge commits ("from owner/branch"). */
  headBranch?: string;
  /**
   * The author's GitHub login when the commit says it: a squash commit is authored by the pull
   * request's author, and GitHub's no-reply address (`ID+login@users.noreply.github.com`) names them.
   */
  authorLogin?: string;
}

const MERGE_SUBJECT = /^Merge pull request #([1-9]\d*) from ([A-Za-z0-9][A-Za-z0-9-]*)\/(\S+)\s*$/;
const SQUASH_SUBJECT = /^(.*\S)\s+\(#([1-9]\d*)\)\s*$/;
const NOREPLY_EMAIL = /^(?:\d+\+)?([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?)@users\.noreply\./i;

/**
 * The pull request a commit brought in, from GitHub's own message formats; undefined for every other
 * commit (back-merges such as "Merge tag 'v1.2.0' into develop", release bumps, direct commits).
 */
export function parsePullRequestCommit(commit: LogCommit): PullRequestCommit | undefined {
  const subject = commit.subject.trim();
  const merge = MERGE_SUBJECT.exec(subject);
  if (merge) {
    const [, number, , headBranch] = merge as unknown as [string, string, string, string];
    // GitHub puts the pull request's title in the body of its merge commits.
    const title = commit.body
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '');
    return { number: Number(number), title: title ?? headBranch, kind: 'merge', headBranch };
  }
  const squash = SQUASH_SUBJECT.exec(subject);
  if (squash) {
    const [, title, number] = squash as unknown as [string, string, string];
    const login = NOREPLY_EMAIL.exec(commit.authorEmail.trim())?.[1];
    return {
      number: Number(number),
      title,
      kind: 'squash',
      ...(login
        ? { authorLogin: login }
        : commit.authorName.endsWith('[bot]')
          ? { authorLogin: commit.authorName }
          : {}),
    };
  }
  return undefined;
}

/** Bots (GitHub logins ending in `[bot]`) and the configured authors are left out of release notes. */
export function isExcludedAuthor(login: string | undefined, excluded: readonly string[]): boolean {
  if (login === undefined) return false;
  const lower = login.toLowerCase();
  return lower.endsWith('[bot]') || excluded.some((name) => name.toLowerCase() === lower);
}
