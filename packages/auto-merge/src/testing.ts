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

function repositoryBody(fullName: string, id: number, serverUrl: string) {
  const [owner = 'acme', name = 'shop'] = fullName.split('/');
  return {
    id,
    node_id: `MDEwOlJlcG9zaXRvcnk${id}`,
    name,
    full_name: fullName,
    private: false,
    owner: gitHubUser(owner),
    html_url: `${serverUrl}/${fullName}`,
    default_branch: 'main',
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
  /** Where the web pages are (`html_url`): GitHub Enterprise's host, or a local stand-in's. @default "https://github.com" */
  serverUrl?: string;
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
  const web = `${options.serverUrl ?? 'https://github.com'}/${repository}`;
  const base = repositoryBody(repository, 1, options.serverUrl ?? 'https://github.com');
  const head =
    options.fork === undefined
      ? base
      : options.fork === null
        ? null
        : repositoryBody(options.fork, 2, options.serverUrl ?? 'https://github.com');
  const author = gitHubUser(options.author ?? 'octocat');
  const merged = options.merged ?? false;
  return {
    url: `${api}/pulls/${number}`,
    id: 1_000_000 + number,
    node_id: `MDExOlB1bGxSZXF1ZXN0${number}`,
    html_url: `${web}/pull/${number}`,
    diff_url: `${web}/pull/${number}.diff`,
    patch_url: `${web}/pull/${number}.patch`,
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
  /** The reviewer's `author_association`: `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`, ... @default "MEMBER" */
  authorAssociation?: string;
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
    author_association: options.authorAssociation ?? 'MEMBER',
  };
}

/** The 200 answer of PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge. */
export function mergeResultBody(sha = 'e5bd3914e2e596debea16f433f57875b5b90bcd6') {
  return { sha, merged: true, message: 'Pull Request successfully merged' };
}

/** A pull request the fake GitHub serves, by number. */
export interface FakePullRequest {
  pr?: Omit<PullRequestBodyOptions, 'number' | 'repository'>;
  /** Reviews, oldest first. @default one approval by "alice" */
  reviews?: Omit<ReviewBodyOptions, 'repository' | 'number'>[];
  /** A commit pushed to the PR just after it is first read: a merge pinned to the old head gets 409. */
  pushAfterFirstRead?: string;
  /** Commit statuses of the head. */
  statuses?: { context: string; state: string }[];
  /** Check runs of the head. */
  checkRuns?: { name: string; status: string; conclusion: string | null }[];
  /** The base branch's rules (GET /repos/{owner}/{repo}/rules/branches/{branch}). */
  rules?: unknown[];
  /** Status checks the base branch's protection requires (GET /repos/{owner}/{repo}/branches/{branch}). */
  requiredChecks?: string[];
}

export interface FakeGitHubOptions {
  /** The only token accepted; anything else gets 401 "Bad credentials for TOKEN" (echoing it, as a worst case). */
  token: string;
  /** @default "acme/shop" */
  repository?: string;
  pullRequests: Record<number, FakePullRequest>;
}

export interface FakeGitHub {
  /**
   * The API base URL, for `GITHUB_API_URL`; also the host its pull requests live on (`html_url`), since a
   * token is only sent to the API of the PR's own host: pass `${url}/acme/shop/pull/42`.
   */
  url: string;
  /** Every request served, in order. */
  requests: { method: string; path: string; body: unknown }[];
  close(): Promise<void>;
}

/**
 * A local HTTP server answering the REST endpoints auto-merge uses, as GitHub documents them, for tests and
 * demos that run the built bin in another process (where nock cannot reach): the PR and its reviews, the
 * merge (409 when `sha` is not the head any more, 405 once merged), update-branch, the base branch's rules
 * and protection, the head's statuses and check runs, and deleting a branch.
 */
export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const { createServer } = await import('node:http');
  const repository = options.repository ?? 'acme/shop';
  const requests: FakeGitHub['requests'] = [];
  const state = new Map(
    Object.entries(options.pullRequests).map(([number, fake]) => [
      Number(number),
      { fake, pr: { ...fake.pr, number: Number(number), repository } as PullRequestBodyOptions, reads: 0 },
    ]),
  );
  const prPath = new RegExp(`^/repos/${repository}/pulls/(\\d+)(/reviews|/merge|/update-branch)?$`);
  let origin = 'http://127.0.0.1';

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      requests.push({ method: request.method ?? 'GET', path: `${url.pathname}${url.search}`, body });
      const send = (status: number, data?: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(data === undefined ? '' : JSON.stringify(data));
      };
      if (request.headers.authorization !== `token ${options.token}`) {
        // Echoes the token it was sent, the worst case for redaction, so tests can check it never shows.
        const presented = (request.headers.authorization ?? '').replace(/^token /, '');
        return send(401, {
          message: `Bad credentials${presented ? ` for ${presented}` : ''}`,
          documentation_url: 'https://docs.github.com/rest',
        });
      }
      const match = prPath.exec(url.pathname);
      const entry = match ? state.get(Number(match[1])) : undefined;
      const head = () => entry?.pr.headSha ?? DEFAULT_HEAD_SHA;
      if (entry && request.method === 'GET' && match?.[2] === undefined) {
        const served = pullRequestBody({ ...entry.pr, serverUrl: origin });
        entry.reads++;
        if (entry.reads === 1 && entry.fake.pushAfterFirstRead)
          entry.pr.headSha = entry.fake.pushAfterFirstRead;
        return send(200, served);
      }
      if (entry && request.method === 'GET' && match?.[2] === '/reviews') {
        const reviews = entry.fake.reviews ?? [{ id: 80, login: 'alice', state: 'APPROVED' }];
        return send(
          200,
          reviews.map((review) => reviewBody({ ...review, repository, number: entry.pr.number ?? 0 })),
        );
      }
      if (entry && request.method === 'PUT' && match?.[2] === '/merge') {
        const { sha, merge_method: method } = (body ?? {}) as { sha?: string; merge_method?: string };
        if (entry.pr.merged) return send(405, { message: 'Pull Request is not mergeable' });
        if (sha !== undefined && sha !== head()) {
          return send(409, { message: 'Head branch was modified. Review and try the merge again.' });
        }
        entry.pr.merged = true;
        return send(200, {
          ...mergeResultBody(),
          message: `Pull Request successfully merged${method ? ` (${method})` : ''}`,
        });
      }
      if (entry && request.method === 'PUT' && match?.[2] === '/update-branch') {
        const expected = (body as { expected_head_sha?: string } | undefined)?.expected_head_sha;
        if (expected !== undefined && expected !== head()) {
          return send(422, { message: "expected head sha didn't match current head ref." });
        }
        return send(202, {
          message: 'Updating pull request branch.',
          url: `https://github.com/repos/${repository}/pulls/${entry.pr.number}`,
        });
      }
      const all = [...state.values()];
      // PRs may share a head sha (the default one): their statuses and check runs add up.
      const ofHead = (sha: string | undefined) =>
        all.filter((candidate) => (candidate.pr.headSha ?? DEFAULT_HEAD_SHA) === sha);
      const rules = new RegExp(`^/repos/${repository}/rules/branches/(.+)$`).exec(url.pathname);
      if (rules)
        return send(
          200,
          all.flatMap((candidate) => candidate.fake.rules ?? []),
        );
      const branch = new RegExp(`^/repos/${repository}/branches/(.+)$`).exec(url.pathname);
      if (branch) {
        const contexts = [...new Set(all.flatMap((candidate) => candidate.fake.requiredChecks ?? []))];
        return send(200, {
          name: decodeURIComponent(branch[1] ?? ''),
          protected: contexts.length > 0,
          protection: {
            enabled: contexts.length > 0,
            required_status_checks: {
              enforcement_level: contexts.length > 0 ? 'non_admins' : 'off',
              contexts,
              checks: contexts.map((context) => ({ context, app_id: null })),
            },
          },
        });
      }
      const statuses = new RegExp(`^/repos/${repository}/commits/([0-9a-f]+)/status$`).exec(url.pathname);
      if (statuses) {
        const list = ofHead(statuses[1]).flatMap((candidate) => candidate.fake.statuses ?? []);
        return send(200, {
          state: list.some((s) => s.state === 'failure' || s.state === 'error') ? 'failure' : 'pending',
          statuses: list.map((s, index) => ({
            id: index + 1,
            context: s.context,
            state: s.state,
            description: null,
          })),
          sha: statuses[1],
          total_count: list.length,
        });
      }
      const runs = new RegExp(`^/repos/${repository}/commits/([0-9a-f]+)/check-runs$`).exec(url.pathname);
      if (runs) {
        const list = ofHead(runs[1]).flatMap((candidate) => candidate.fake.checkRuns ?? []);
        return send(200, {
          total_count: list.length,
          check_runs: list.map((run, index) => ({ id: index + 1, ...run })),
        });
      }
      if (request.method === 'GET' && url.pathname === `/repos/${repository}/pulls`) return send(200, []);
      if (request.method === 'DELETE' && url.pathname.startsWith(`/repos/${repository}/git/refs/`))
        return send(204);
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
