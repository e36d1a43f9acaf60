import { readFile } from 'node:fs/promises';
import { type HintAction, usageError } from './errors.js';
import { createGitRunner, type GitRunner } from './git.js';
import { parsePullRequestUrl, parseRepositoryUrl } from './github-url.js';

export type CiProvider = 'circleci' | 'github-actions' | 'generic';

export interface CiPullRequest {
  number: number;
  url: string;
  /**
   * The PR head commit this build is about, when the CI says it: a `pull_request` event's PR head, or the
   * `head_sha` a `workflow_run` event's run checked (GitHub Actions' event payload).
   */
  headSha?: string;
}

/** What a CI build is building, the same shape whichever CI runs it. Absent facts are null. */
export interface CiContext {
  provider: CiProvider;
  /** True inside a CI service (`CI` or a provider's own variable set). */
  ci: boolean;
  repository: { owner: string; name: string; host: string } | null;
  branch: string | null;
  tag: string | null;
  /** The commit being built. */
  sha: string | null;
  pullRequest: CiPullRequest | null;
  /**
   * Every PR the CI associates with this build. Several (CircleCI builds a branch shared by several PRs; a
   * GitHub Actions `workflow_run` whose run belongs to several PRs) leaves {@link pullRequest} null: reletan
   * never guesses which one was meant.
   */
  pullRequests: string[];
  buildUrl: string | null;
  /** Things worth telling the user, e.g. that several PRs were found. */
  warnings: string[];
}

export interface DetectCiContextOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Reads GitHub Actions' event payload. @default fs.readFile */
  readFile?: (file: string) => Promise<string>;
  /** Used for a generic CI (or a terminal), to read branch, sha, tag and remote. @default a runner in `cwd` */
  git?: GitRunner;
  /** @default process.cwd() */
  cwd?: string;
}

const truthy = (value: string | undefined) =>
  value !== undefined && value !== '' && value !== 'false' && value !== '0';
const orNull = (value: string | undefined) => (value === undefined || value === '' ? null : value);

/** Detects CircleCI, GitHub Actions or anything else, and reads what is being built. */
export async function detectCiContext(options: DetectCiContextOptions = {}): Promise<CiContext> {
  const env = options.env ?? process.env;
  if (truthy(env.CIRCLECI)) return circleCiContext(env);
  if (truthy(env.GITHUB_ACTIONS))
    return gitHubActionsContext(env, options.readFile ?? ((file) => readFile(file, 'utf8')));
  return genericContext(env, options.git ?? createGitRunner({ cwd: options.cwd ?? process.cwd(), env }));
}

function circleCiContext(env: NodeJS.ProcessEnv): CiContext {
  const fromUrl = env.CIRCLE_REPOSITORY_URL ? parseRepositoryUrl(env.CIRCLE_REPOSITORY_URL) : undefined;
  const owner = env.CIRCLE_PROJECT_USERNAME || fromUrl?.owner;
  const name = env.CIRCLE_PROJECT_REPONAME || fromUrl?.name;
  const host = fromUrl?.host ?? 'github.com';
  const repository = owner && name ? { owner, name, host } : null;
  const warnings: string[] = [];

  const listed = [
    ...new Set(
      (env.CIRCLE_PULL_REQUESTS ?? '')
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean),
    ),
  ];
  const single = env.CIRCLE_PULL_REQUEST?.trim();
  const pullRequests = listed.length > 0 ? listed : single ? [single] : [];
  let pullRequest: CiPullRequest | null = null;
  if (pullRequests.length > 1) {
    warnings.push(
      `this build belongs to ${pullRequests.length} pull requests (${pullRequests.join(', ')}); reletan will not guess which one`,
    );
  } else if (pullRequests[0]) {
    pullRequest = pullRequestFromEnv(
      pullRequests[0],
      listed.length > 0 ? 'CIRCLE_PULL_REQUESTS' : 'CIRCLE_PULL_REQUEST',
    );
  } else if (env.CIRCLE_PR_NUMBER && repository) {
    // Builds of forked PRs carry only the number.
    const url = `https://${host}/${repository.owner}/${repository.name}/pull/${env.CIRCLE_PR_NUMBER}`;
    pullRequest = pullRequestFromEnv(url, 'CIRCLE_PR_NUMBER');
    pullRequests.push(pullRequest.url);
  }

  return {
    provider: 'circleci',
    ci: true,
    repository,
    branch: orNull(env.CIRCLE_BRANCH),
    tag: orNull(env.CIRCLE_TAG),
    sha: orNull(env.CIRCLE_SHA1),
    pullRequest,
    pullRequests,
    buildUrl: orNull(env.CIRCLE_BUILD_URL),
    warnings,
  };
}

interface GitHubEventPayload {
  pull_request?: { number?: number; html_url?: string; head?: { sha?: string } };
  /** A `workflow_run` event: the run that finished, the commit it checked and the PRs it belongs to. */
  workflow_run?: { head_sha?: string; pull_requests?: { number?: number }[] | null };
}

async function gitHubActionsContext(
  env: NodeJS.ProcessEnv,
  read: (file: string) => Promise<string>,
): Promise<CiContext> {
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const host = new URL(serverUrl).host;
  const [owner, name] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const repository = owner && name ? { owner, name, host } : null;
  const ref = env.GITHUB_REF ?? '';
  const warnings: string[] = [];

  let branch: string | null = null;
  let tag: string | null = null;
  let prNumber: number | undefined;
  if (ref.startsWith('refs/heads/')) branch = ref.slice('refs/heads/'.length);
  else if (ref.startsWith('refs/tags/')) tag = ref.slice('refs/tags/'.length);
  else {
    const pull = /^refs\/pull\/(\d+)\/(?:merge|head)$/.exec(ref);
    if (pull) prNumber = Number(pull[1]);
    // On pull_request events GITHUB_REF is the PR's merge ref; the branch is the PR's head branch.
    branch = orNull(env.GITHUB_HEAD_REF);
  }

  let pullRequest: CiPullRequest | null = null;
  let pullRequests: string[] = [];
  const payload = await readEventPayload(env.GITHUB_EVENT_PATH, read, warnings);
  const fromEvent = payload?.pull_request;
  const webUrl = (number: number) =>
    repository ? `${serverUrl}/${repository.owner}/${repository.name}/pull/${number}` : '';
  if (fromEvent?.number !== undefined) {
    pullRequest = {
      number: fromEvent.number,
      url: fromEvent.html_url ?? webUrl(fromEvent.number),
      ...(fromEvent.head?.sha ? { headSha: fromEvent.head.sha } : {}),
    };
  } else if (payload?.workflow_run) {
    // A workflow_run job runs on the default branch (GITHUB_SHA, GITHUB_REF); the run that triggered it
    // checked workflow_run.head_sha, the head of the PRs it lists (none for a fork's PR).
    const run = payload.workflow_run;
    const numbers = [
      ...new Set((run.pull_requests ?? []).flatMap((pr) => (pr.number === undefined ? [] : [pr.number]))),
    ];
    pullRequests = repository ? numbers.map(webUrl) : [];
    if (pullRequests.length > 1) {
      warnings.push(
        `the workflow run belongs to ${pullRequests.length} pull requests (${pullRequests.join(', ')}); reletan will not guess which one`,
      );
    } else if (numbers[0] !== undefined && repository) {
      pullRequest = {
        number: numbers[0],
        url: webUrl(numbers[0]),
        ...(run.head_sha ? { headSha: run.head_sha } : {}),
      };
    }
  } else if (prNumber !== undefined && repository) {
    pullRequest = { number: prNumber, url: webUrl(prNumber) };
  }
  if (pullRequest) pullRequests = [pullRequest.url];

  const runId = env.GITHUB_RUN_ID;
  const attempt = env.GITHUB_RUN_ATTEMPT;
  const buildUrl =
    repository && runId
      ? `${serverUrl}/${repository.owner}/${repository.name}/actions/runs/${runId}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`
      : null;

  return {
    provider: 'github-actions',
    ci: true,
    repository,
    branch,
    tag,
    sha: orNull(env.GITHUB_SHA),
    pullRequest,
    pullRequests,
    buildUrl,
    warnings,
  };
}

async function readEventPayload(
  file: string | undefined,
  read: (file: string) => Promise<string>,
  warnings: string[],
): Promise<GitHubEventPayload | undefined> {
  if (!file) return undefined;
  try {
    return JSON.parse(await read(file)) as GitHubEventPayload;
  } catch (error) {
    warnings.push(
      `could not read the GitHub event payload ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

async function genericContext(env: NodeJS.ProcessEnv, git: GitRunner): Promise<CiContext> {
  const ask = async (args: string[]) => {
    const result = await git.run(args, { allowFailure: true }).catch(() => undefined);
    return result && result.exitCode === 0 ? orNull(result.stdout.trim()) : null;
  };
  const [branch, sha, tags, remote] = await Promise.all([
    ask(['symbolic-ref', '--short', '-q', 'HEAD']),
    ask(['rev-parse', '--verify', '-q', 'HEAD']),
    ask(['tag', '--points-at', 'HEAD', '--sort=-version:refname']),
    ask(['remote', 'get-url', 'origin']),
  ]);
  const parsed = remote ? parseRepositoryUrl(remote) : undefined;
  return {
    provider: 'generic',
    ci: truthy(env.CI),
    repository: parsed ? { owner: parsed.owner, name: parsed.name, host: parsed.host } : null,
    branch,
    tag: tags ? (tags.split('\n')[0] ?? null) : null,
    sha,
    pullRequest: null,
    pullRequests: [],
    buildUrl: orNull(env.BUILD_URL),
    warnings: [],
  };
}

function pullRequestFromEnv(url: string, variable: string): CiPullRequest {
  try {
    const parsed = parsePullRequestUrl(url);
    return { number: parsed.number, url: parsed.url };
  } catch {
    throw usageError('CI_PR_INVALID', `${variable} is not a pull request URL: ${url}`, {
      input: { key: variable, url },
      hint: 'expected https://github.com/OWNER/REPO/pull/NUMBER',
    });
  }
}

/**
 * The one pull request this build is for; a usage error when there is none, or several (CircleCI lists
 * every open PR of a branch, and merging the wrong one is worse than doing nothing).
 */
export function requirePullRequest(context: CiContext): CiPullRequest {
  const PR_OPTION: HintAction = {
    type: 'option',
    name: 'pr',
    value: 'URL|NUMBER',
    words: 'its URL or number',
  };
  if (context.pullRequest) return context.pullRequest;
  if (context.pullRequests.length > 1) {
    throw usageError(
      'CI_PR_AMBIGUOUS',
      `this build belongs to ${context.pullRequests.length} pull requests; reletan will not guess which one`,
      {
        details: context.pullRequests,
        hint: 'name the one you mean: {pr}',
        actions: { pr: PR_OPTION },
      },
    );
  }
  throw usageError(
    'CI_PR_MISSING',
    `no pull request found for this ${context.provider === 'generic' ? 'run' : `${context.provider} build`}`,
    {
      hint:
        context.provider === 'circleci'
          ? 'CircleCI sets CIRCLE_PULL_REQUEST only once the branch has an open PR; name one: {pr}'
          : 'name the pull request: {pr}',
      actions: { pr: PR_OPTION },
    },
  );
}
