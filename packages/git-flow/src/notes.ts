import type { ReletanConfig } from '@reletan/config';
import type { GitRunner, Logger } from '@reletan/core';
import { usageError } from '@reletan/core';
import type { GitHubAccess } from '@reletan/github';
import { flowBranches } from './flow-plan.js';
import { type GitHubTarget, resolveGitHubTarget } from './github-access.js';
import { fetchPullRequestDetails } from './github-enrich.js';
import {
  isExcludedAuthor,
  type LogCommit,
  type PullRequestCommit,
  parsePullRequestCommit,
} from './pull-request-commit.js';
import { readRefs } from './repo-state.js';
import { latestRelease, parseReleaseTag, type ReleaseTag } from './versions.js';

/** One pull request in release notes. `author`, `labels` and `url` are there when known. */
export interface ReleaseNotesPullRequest {
  number: number;
  title: string;
  /** The GitHub login. */
  author?: string;
  labels?: string[];
  url?: string;
}

/** Release notes, the JSON shape `reletan release notes --format json` prints. */
export interface ReleaseNotes {
  /** The release tag the notes start after; null when there is no earlier release. */
  from: string | null;
  /** The ref the notes end at. */
  to: string;
  version?: string;
  /** In the order they were merged, oldest first. */
  pullRequests: ReleaseNotesPullRequest[];
}

export interface ReleaseNotesOptions {
  git: GitRunner;
  config: Pick<ReletanConfig, 'git' | 'github' | 'release'>;
  /** Where the notes start: a tag or any ref. @default the last release tag reachable from `to`, not on `to` itself */
  from?: string | undefined;
  /** Where the notes end. @default the release branch in progress, else `git.developBranch` */
  to?: string | undefined;
  /** The version being released, when there is one. @default the version of `to` when it is a release tag */
  version?: string | undefined;
  /** @default process.env (`GITHUB_TOKEN`/`GH_TOKEN` turn on enrichment, `GITHUB_API_URL` is honoured) */
  env?: NodeJS.ProcessEnv | undefined;
  logger?: Logger | undefined;
  /**
   * How the notes reach GitHub. @default `createGitHubAccess` from `env`; without a token, or without an
   * API that serves the repository's host, notes come from git alone
   */
  github?: GitHubAccess | undefined;
}

/**
 * `release notes`: the pull requests between two refs, read from local history (GitHub's merge commits and
 * squash commits), in zero API calls. With a token, titles, authors and labels come from GitHub in
 * `ceil(N / 100)` GraphQL calls. Bots and `release.notes.excludeAuthors` are left out.
 */
export async function releaseNotes(options: ReleaseNotesOptions): Promise<ReleaseNotes> {
  const { git, config } = options;
  const to = options.to ?? (await defaultNotesEnd(git, config));
  await requireCommit(git, to, '--to');
  let from = options.from;
  if (from === undefined) from = (await lastReleaseBefore(git, to, config.git.tagPrefix))?.tag;
  else await requireCommit(git, from, '--from');
  const version = options.version ?? (await releaseTagVersion(git, to, config.git.tagPrefix));
  const target = await resolveGitHubTarget({
    git,
    config,
    env: options.env ?? process.env,
    logger: options.logger,
    github: options.github,
  });
  return buildReleaseNotes({ ...options, from, to, version, target });
}

export interface BuildReleaseNotesOptions {
  git: GitRunner;
  config: Pick<ReletanConfig, 'git' | 'release'>;
  /** Known to exist. */
  from: string | undefined;
  to: string;
  version?: string | undefined;
  /** The repository and the run's GitHub client (see `resolveGitHubTarget`). */
  target: GitHubTarget;
  logger?: Logger | undefined;
  /** Read git alone, even with a token (dry runs make no API call). @default false */
  offline?: boolean | undefined;
}

/** The notes of a range whose ends are known to exist. */
export async function buildReleaseNotes(options: BuildReleaseNotesOptions): Promise<ReleaseNotes> {
  const { git, config } = options;
  const { repository } = options.target;
  const commits = await readPullRequestCommits(git, options.from, options.to);
  const flowBranch = (head: string | undefined) =>
    head !== undefined &&
    (head === config.git.mainBranch ||
      head === config.git.developBranch ||
      head.startsWith(config.git.releasePrefix) ||
      head.startsWith(config.git.hotfixPrefix));
  let pullRequests: ReleaseNotesPullRequest[] = commits
    .filter((commit) => !flowBranch(commit.headBranch))
    .map((commit) => ({
      number: commit.number,
      title: commit.title,
      ...(commit.authorLogin ? { author: commit.authorLogin } : {}),
      ...(repository
        ? { url: `https://${repository.host}/${repository.owner}/${repository.name}/pull/${commit.number}` }
        : {}),
    }));

  const access = options.offline ? undefined : options.target.github;
  if (access && repository && pullRequests.length > 0) {
    try {
      const details = await fetchPullRequestDetails(
        await access(),
        repository,
        pullRequests.map((pr) => pr.number),
      );
      pullRequests = pullRequests.map((pr) => {
        const found = details.get(pr.number);
        return found
          ? {
              number: pr.number,
              title: found.title,
              ...(found.author ? { author: found.author } : {}),
              labels: found.labels,
              url: found.url,
            }
          : pr;
      });
    } catch (error) {
      options.logger?.warn(
        `could not read the pull requests from GitHub (${error instanceof Error ? error.message : String(error)}); the notes come from git alone`,
      );
    }
  } else if (!options.offline && options.target.unavailable) {
    const { message, hint } = options.target.unavailable;
    options.logger?.warn(`${message}; the notes come from git alone${hint ? ` (${hint})` : ''}`);
  }
  const excluded = config.release.notes.excludeAuthors;
  return {
    from: options.from ?? null,
    to: options.to,
    ...(options.version !== undefined ? { version: options.version } : {}),
    pullRequests: pullRequests.filter((pr) => !isExcludedAuthor(pr.author, excluded)),
  };
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/**
 * The pull requests whose commits are in `to` and not in `from`, one per number (GitHub's merge commit
 * wins over a squash-looking subject), oldest first. The whole history is walked, not only first parents,
 * so pull requests behind a local "Merge branch 'develop' of …" are not lost.
 */
async function readPullRequestCommits(
  git: GitRunner,
  from: string | undefined,
  to: string,
): Promise<PullRequestCommit[]> {
  const output = await git.output([
    'log',
    '--no-color',
    `--format=%H${FIELD}%an${FIELD}%ae${FIELD}%s${FIELD}%b${RECORD}`,
    from === undefined ? to : `${from}..${to}`,
    '--',
  ]);
  const byNumber = new Map<number, PullRequestCommit>();
  for (const record of output.split(RECORD)) {
    const [sha = '', authorName = '', authorEmail = '', subject = '', body = ''] = record
      .replace(/^\n/, '')
      .split(FIELD);
    if (!sha) continue;
    const commit: LogCommit = { sha, authorName, authorEmail, subject, body };
    const parsed = parsePullRequestCommit(commit);
    if (!parsed) continue;
    const seen = byNumber.get(parsed.number);
    if (!seen || (seen.kind === 'squash' && parsed.kind === 'merge')) byNumber.set(parsed.number, parsed);
  }
  // git log lists newest first; a Map keeps first-seen order.
  return [...byNumber.values()].reverse();
}

/** The greatest release tag reachable from `ref` (optionally ignoring one tag, e.g. the one being made). */
export async function lastReleaseReachableFrom(
  git: GitRunner,
  ref: string,
  tagPrefix: string,
  ignore?: string,
): Promise<ReleaseTag | undefined> {
  const output = await git.output(['tag', '--merged', ref, '--list', `${tagPrefix}*`]);
  return latestRelease(
    output.split('\n').filter((tag) => tag && tag !== ignore),
    tagPrefix,
  );
}

/**
 * The greatest release tag reachable from `ref` that is not on `ref`'s commit itself: where the notes
 * ending at `ref` start. Ending at a release tag (or at main, tagged), the notes are that release's, not
 * the empty range from the tag to itself.
 */
async function lastReleaseBefore(
  git: GitRunner,
  ref: string,
  tagPrefix: string,
): Promise<ReleaseTag | undefined> {
  const output = await git.output(['tag', '--merged', ref, '--no-contains', ref, '--list', `${tagPrefix}*`]);
  return latestRelease(output.split('\n').filter(Boolean), tagPrefix);
}

/** The version `ref` releases, when it is a release tag (`v1.2.0` → `1.2.0`). */
async function releaseTagVersion(
  git: GitRunner,
  ref: string,
  tagPrefix: string,
): Promise<string | undefined> {
  const version = parseReleaseTag(ref, tagPrefix);
  if (version === undefined) return undefined;
  const tag = await git.run(['rev-parse', '--verify', '--quiet', `refs/tags/${ref}`], { allowFailure: true });
  return tag.exitCode === 0 ? version : undefined;
}

/** The title line of release notes, also the default message of the release tag. */
export function notesTitle(
  notes: Pick<ReleaseNotes, 'version'> & Partial<ReleaseNotes>,
  tagPrefix: string,
): string {
  if (notes.version !== undefined) return `Release ${tagPrefix}${notes.version}`;
  return notes.from ? `Changes since ${notes.from}` : `Changes in ${notes.to ?? 'HEAD'}`;
}

async function defaultNotesEnd(git: GitRunner, config: Pick<ReletanConfig, 'git'>): Promise<string> {
  const releases = flowBranches('release', config.git, await readRefs(git, config.git.remote), 'local');
  if (releases.length > 1) {
    throw usageError('VERSION_REQUIRED', `several releases are in progress: ${releases.join(', ')}`, {
      hint: 'name the end of the notes: {to}',
      actions: {
        to: { type: 'option', name: 'to', value: releases[0], words: `end them at ${releases[0]}` },
      },
    });
  }
  return releases[0] ?? config.git.developBranch;
}

async function requireCommit(git: GitRunner, ref: string, flag: string): Promise<void> {
  const result = await git.run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    allowFailure: true,
  });
  if (result.exitCode !== 0) {
    throw usageError('REF_NOT_FOUND', `${flag} ${ref}: no such branch, tag or commit`, {
      hint: 'give a branch, a tag or a commit of this repository',
    });
  }
}
