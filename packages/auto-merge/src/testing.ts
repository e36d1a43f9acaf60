/**
 * Response bodies shaped as GitHub's REST API documents them (pull request, review, merge result), for tests
 * that intercept HTTP (nock, a local server) rather than mock Octokit. Used by reletan's own tests and demo,
 * and by services testing their use of `@reletan/auto-merge`.
 */

export interface GitHubUserBody {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  url: string;
  html_url: string;
  type: 'User' | 'Bot';
  site_admin: boolean;
}

export function gitHubUser(login: string, id = 1000 + login.length): GitHubUserBody {
  return {
    login,
    id,
    node_id: `MDQ6VXNlcj${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: 'User',
    site_admin: false,
  };
}

function repositoryBody(fullName: string, id: number) {
  const [owner = 'acme', name = 'shop'] = fullName.split('/');
  return {
    id,
    node_id: `MDEwOlJlcG9zaXRvcnk${id}`,
    name,
    full_name: fullName,
    private: false,
    owner: gitHubUser(owner),
    html_url: `https://github.com/${fullName}`,
    fork: id !== 1,
    url: `https://api.github.com/repos/${fullName}`,
  };
}

export interface PullRequestBodyOptions {
  /** @default "acme/shop" */
  repository?: string;
  /** @default 42 */
  number?: number;
  /** @default a fixed 40-hex sha */
  headSha?: string;
  /** @default "feature/cart" */
  headRef?: string;
  /** @default "develop" */
  baseRef?: string;
  /** @default "open" */
  state?: 'open' | 'closed';
  /** @default false */
  merged?: boolean;
  /** @default false */
  draft?: boolean;
  /** @default true */
  mergeable?: boolean | null;
  /** @default "clean" */
  mergeableState?: string;
  /** @default [] */
  labels?: string[];
  /** The head repository's `owner/name` when the PR comes from a fork; null for a deleted fork. */
  fork?: string | null;
  /** @default "octocat" */
  author?: string;
}

export const DEFAULT_HEAD_SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';

/** A pull request (GET /repos/{owner}/{repo}/pulls/{pull_number}). */
export function pullRequestBody(options: PullRequestBodyOptions = {}) {
  const repository = options.repository ?? 'acme/shop';
  const number = options.number ?? 42;
  const headSha = options.headSha ?? DEFAULT_HEAD_SHA;
  const headRef = options.headRef ?? 'feature/cart';
  const baseRef = options.baseRef ?? 'develop';
  const api = `https://api.github.com/repos/${repository}`;
  const base = repositoryBody(repository, 1);
  const head =
    options.fork === undefined ? base : options.fork === null ? null : repositoryBody(options.fork, 2);
  const author = gitHubUser(options.author ?? 'octocat');
  const merged = options.merged ?? false;
  return {
    url: `${api}/pulls/${number}`,
    id: 1_000_000 + number,
    node_id: `MDExOlB1bGxSZXF1ZXN0${number}`,
    html_url: `https://github.com/${repository}/pull/${number}`,
    diff_url: `https://github.com/${repository}/pull/${number}.diff`,
    patch_url: `https://github.com/${repository}/pull/${number}.patch`,
    issue_url: `${api}/issues/${number}`,
    statuses_url: `${api}/statuses/${headSha}`,
    number,
    state: options.state ?? (merged ? 'closed' : 'open'),
    locked: false,
    title: 'Add the cart page',
    user: author,
    body: 'Adds the cart page.',
    labels: (options.labels ?? []).map((name, index) => ({
      id: 208045946 + index,
      node_id: `MDU6TGFiZWwyMDgwNDU5NDY${index}`,
      url: `${api}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'f29513',
      default: false,
    })),
    milestone: null,
    created_at: '2026-11-20T09:00:00Z',
    updated_at: '2026-11-21T09:00:00Z',
    closed_at: merged ? '2026-11-21T09:00:00Z' : null,
    merged_at: merged ? '2026-11-21T09:00:00Z' : null,
    merge_commit_sha: merged ? 'e5bd3914e2e596debea16f433f57875b5b90bcd6' : null,
    assignee: null,
    requested_reviewers: [],
    head: {
      label: `${head?.owner.login ?? 'unknown'}:${headRef}`,
      ref: headRef,
      sha: headSha,
      user: head?.owner ?? author,
      repo: head,
    },
    base: {
      label: `${base.owner.login}:${baseRef}`,
      ref: baseRef,
      sha: '9049f1265b7d61be4a8904a9a27120d2064dab3b',
      user: base.owner,
      repo: base,
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: options.draft ?? false,
    merged,
    mergeable: options.mergeable === undefined ? true : options.mergeable,
    rebaseable: true,
    mergeable_state: options.mergeableState ?? 'clean',
    merged_by: merged ? gitHubUser('reletan-bot') : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: true,
    commits: 3,
    additions: 120,
    deletions: 4,
    changed_files: 5,
  };
}

export interface ReviewBodyOptions {
  id: number;
  login: string;
  /** `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`. */
  state: string;
  /** @default "acme/shop" */
  repository?: string;
  /** @default 42 */
  number?: number;
  /** @default DEFAULT_HEAD_SHA */
  commitId?: string;
}

/** A review (an item of GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews). */
export function reviewBody(options: ReviewBodyOptions) {
  const repository = options.repository ?? 'acme/shop';
  const number = options.number ?? 42;
  return {
    id: options.id,
    node_id: `MDE3OlB1bGxSZXF1ZXN0UmV2aWV3${options.id}`,
    user: gitHubUser(options.login),
    body: options.state === 'APPROVED' ? 'Looks good.' : '',
    state: options.state,
    html_url: `https://github.com/${repository}/pull/${number}#pullrequestreview-${options.id}`,
    pull_request_url: `https://api.github.com/repos/${repository}/pulls/${number}`,
    _links: {
      html: { href: `https://github.com/${repository}/pull/${number}#pullrequestreview-${options.id}` },
      pull_request: { href: `https://api.github.com/repos/${repository}/pulls/${number}` },
    },
    ...(options.state === 'PENDING'
      ? {}
      : { submitted_at: new Date(Date.UTC(2026, 10, 20, 10, 0, options.id % 60)).toISOString() }),
    commit_id: options.commitId ?? DEFAULT_HEAD_SHA,
    author_association: 'MEMBER',
  };
}

/** The 200 answer of PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge. */
export function mergeResultBody(sha = 'e5bd3914e2e596debea16f433f57875b5b90bcd6') {
  return { sha, merged: true, message: 'Pull Request successfully merged' };
}
