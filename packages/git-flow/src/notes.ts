import type { GitRunner, Logger, Octokit, ReletanConfig, RepositoryRef } from '@reletan/core';
import { createGitHubClient, parseRepositoryUrl, resolveGitHubToken, usageError } from '@reletan/core';
import { flowBranches } from './flow-plan.js';
import { fetchPullRequestDetails } from './github-enrich.js';
import {
  isExcludedAuthor,
  type LogCommit,
  type PullRequestCommit,
  parsePullRequestCommit,
} from './pull-request-commit.js';
import { readRefs } from './repo-state.js';
import { latestRelease, type ReleaseTag } from './versions.js';

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

/** Creates the GitHub client on demand, so nothing about GitHub loads without a token. */
export type GitHubAccess = () => Promise<Octokit>;

export interface ReleaseNotesOptions {
  git: GitRunner;
  config: Pick<ReletanConfig, 'git' | 'github' | 'release'>;
  /** Where the notes start: a tag or any ref. @default the last release tag reachable from `to` */
  from?: string | undefined;
  /** Where the notes end. @default the release branch in progress, else `git.developBranch` */
  to?: string | undefined;
  /** The version being released, when there is one. */
  version?: string | undefined;
  /** @default process.env (`GITHUB_TOKEN`/`GH_TOKEN` turn on enrichment, `GITHUB_API_URL` is honoured) */
  env?: NodeJS.ProcessEnv | undefined;
  logger?: Logger | undefined;
  /** @default `createGitHubClient` when a token is set; without one, notes come from git alone */
  github?: GitHubAccess | undefined;
  /** Read git alone, even with a token (dry runs make no API call). @default false */
  offline?: boolean | undefined;
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
  if (from === undefined) from = (await lastReleaseReachableFrom(git, to, config.git.tagPrefix))?.tag;
  else await requireCommit(git, from, '--from');
  return buildReleaseNotes({ ...options, from, to });
}

/** The notes of a range whose ends are known to exist. */
export async function buildReleaseNotes(
  options: ReleaseNotesOptions & { to: string; from: string | undefined },
): Promise<ReleaseNotes> {
  const { git, config } = options;
  const env = options.env ?? process.env;
  const commits = await readPullRequestCommits(git, options.from, options.to);
  const flowBranch = (head: string | undefined) =>
    head !== undefined &&
    (head === config.git.mainBranch ||
      head === config.git.developBranch ||
      head.startsWith(config.git.releasePrefix) ||
      head.startsWith(config.git.hotfixPrefix));
  const repository = await resolveRepository(git, config, env);
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

  const access = options.offline
    ? undefined
    : (options.github ??
      (resolveGitHubToken(env) ? () => createGitHubClient({ env, logger: options.logger }) : undefined));
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
  } else if (access && !repository) {
    options.logger?.warn(
      `cannot tell the GitHub repository (set github.repository in the reletan config); the notes come from git alone`,
    );
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
export async function readPullRequestCommits(
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

/** The title line of release notes, also the default message of the release tag. */
export function notesTitle(
  notes: Pick<ReleaseNotes, 'version'> & Partial<ReleaseNotes>,
  tagPrefix: string,
): string {
  if (notes.version !== undefined) return `Release ${tagPrefix}${notes.version}`;
  return notes.from ? `Changes since ${notes.from}` : `Changes in ${notes.to ?? 'HEAD'}`;
}

/**
 * The GitHub repository: `github.repository` from the config (on the host of `GITHUB_API_URL`), else the
 * one the git remote points at; undefined for a remote that is not on a GitHub-like host (a local path).
 */
export async function resolveRepository(
  git: GitRunner,
  config: Pick<ReletanConfig, 'git' | 'github'>,
  env: NodeJS.ProcessEnv,
): Promise<RepositoryRef | undefined> {
  if (config.github.repository) {
    const [owner = '', name = ''] = config.github.repository.split('/');
    return { owner, name, host: webHost(env) };
  }
  const result = await git.run(['remote', 'get-url', config.git.remote], { allowFailure: true });
  return result.exitCode === 0 ? parseRepositoryUrl(result.stdout.trim()) : undefined;
}

/** github.com, or the GitHub Enterprise host of `GITHUB_API_URL` (`https://HOST/api/v3`). */
function webHost(env: NodeJS.ProcessEnv): string {
  const api = env.GITHUB_API_URL;
  if (!api || !URL.canParse(api)) return 'github.com';
  const host = new URL(api).host;
  return host === 'api.github.com' ? 'github.com' : host;
}

async function defaultNotesEnd(git: GitRunner, config: Pick<ReletanConfig, 'git'>): Promise<string> {
  const releases = flowBranches('release', config.git, await readRefs(git, config.git.remote), 'local');
  if (releases.length > 1) {
    throw usageError('VERSION_REQUIRED', `several releases are in progress: ${releases.join(', ')}`, {
      hint: `name the end of the notes: --to ${releases[0]}`,
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
