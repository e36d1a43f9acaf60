import { reportError } from '@reletan/cli-kit';
import { createLogger, formatError, type OutputStream } from '@reletan/core';
import { createGitHubClient, type GitHubClientOptions, type Octokit } from '@reletan/github';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { autoMerge, type KeepBranches } from './auto-merge.js';
import { resolveMergePolicy } from './merge-policy.js';
import { DEFAULT_HEAD_SHA, mergeResultBody, pullRequestBody, reviewBody } from './testing.js';

const API = 'https://api.github.com';
const PR_PATH = '/repos/acme/shop/pulls/42';
const HEAD = DEFAULT_HEAD_SHA;
const TOKEN = 'ghs_autoMergeTestToken123';

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

/**
 * The real client (retry and throttling plugins) with waits shrunk to milliseconds. Throttling is off by
 * default because plugin-throttling spaces writes 1-3 s apart across the whole process; the rate-limit test
 * turns it on.
 */
function client(options: Partial<GitHubClientOptions> = {}) {
  return createGitHubClient({
    env: { GITHUB_TOKEN: TOKEN },
    retry: { retryAfterBaseValue: 1 },
    throttle: { enabled: false },
    ...options,
  });
}

function captureLogger(options: { json?: boolean } = {}) {
  const chunks: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]): OutputStream => ({
    write: (chunk: string) => {
      chunks.push(chunk);
      into.push(chunk);
    },
  });
  return {
    logger: createLogger({
      stdout: sink(out),
      stderr: sink(err),
      env: { CI: 'true' },
      level: 'debug',
      json: options.json ?? false,
    }),
    text: () => chunks.join(''),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

const approvals = [reviewBody({ id: 80, login: 'alice', state: 'APPROVED' })];

/** GET the PR and its reviews once, GitHub-shaped. */
function github(pr: Parameters<typeof pullRequestBody>[0] = {}, reviews: unknown[] = approvals) {
  return nock(API)
    .get(PR_PATH)
    .reply(200, pullRequestBody(pr))
    .get(`${PR_PATH}/reviews`)
    .query({ per_page: '100' })
    .reply(200, reviews);
}

async function run(
  policy: Parameters<typeof resolveMergePolicy>[0] = {},
  extra: {
    dryRun?: boolean;
    client?: Partial<GitHubClientOptions>;
    sleeps?: number[];
    logger?: ReturnType<typeof captureLogger>['logger'];
    keepBranches?: KeepBranches;
  } = {},
) {
  return autoMerge({
    github: await client(extra.client),
    pullRequest: { owner: 'acme', repo: 'shop', number: 42 },
    policy: resolveMergePolicy(policy),
    ...(extra.dryRun ? { dryRun: true } : {}),
    clock: {
      now: () => 0,
      sleep: async (ms: number) => {
        extra.sleeps?.push(ms);
      },
    },
    ...(extra.logger ? { logger: extra.logger } : {}),
    ...(extra.keepBranches ? { keepBranches: extra.keepBranches } : {}),
  });
}

describe('merging a ready PR', () => {
  it('merges only with the head sha it checked', async () => {
    let body: unknown;
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(200, (_uri, requestBody) => {
        body = requestBody;
        return mergeResultBody('e5bd3914e2e596debea16f433f57875b5b90bcd6');
      });
    const result = await run();
    scope.done();
    expect(body).toEqual({ sha: HEAD, merge_method: 'merge' });
    expect(result).toEqual({
      pr: 'https://github.com/acme/shop/pull/42',
      action: 'merged',
      merged: true,
      reason: 'approved by alice; checks passed; merged head 6dcb09b with merge as e5bd391',
      sha: HEAD,
    });
  });

  it('uses the squash method from the policy', async () => {
    let body: unknown;
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(200, (_uri, requestBody) => {
        body = requestBody;
        return mergeResultBody();
      });
    const result = await run({ method: 'squash' });
    scope.done();
    expect(body).toEqual({ sha: HEAD, merge_method: 'squash' });
    expect(result.reason).toMatch(/with squash/);
  });

  it('merges an unstable PR only when allowUnstable is set', async () => {
    const scope = github({ mergeableState: 'unstable' })
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    expect(await run({ allowUnstable: true })).toMatchObject({ action: 'merged', merged: true });
    scope.done();
  });
});

describe('when GitHub is still computing mergeability', () => {
  it('reads again with backoff until it is known, then merges', async () => {
    const sleeps: number[] = [];
    const scope = nock(API)
      .get(PR_PATH)
      .reply(200, pullRequestBody({ mergeable: null, mergeableState: 'unknown' }))
      .get(PR_PATH)
      .reply(200, pullRequestBody({ mergeable: null, mergeableState: 'unknown' }))
      .get(PR_PATH)
      .reply(200, pullRequestBody({ mergeable: true, mergeableState: 'clean' }))
      // Read once: only the PR is read again (a second read of the reviews would find no interceptor).
      .get(`${PR_PATH}/reviews`)
      .query(true)
      .reply(200, approvals)
      .put(`${PR_PATH}/merge`, { sha: HEAD, merge_method: 'merge' })
      .reply(200, mergeResultBody());
    const { logger, text } = captureLogger();
    const result = await run({}, { sleeps, logger });
    scope.done();
    expect(result).toMatchObject({ action: 'merged', merged: true, sha: HEAD });
    expect(sleeps).toEqual([2000, 4000]);
    expect(text()).toContain('reading it again in 2s (read 2 of 5)');
  });

  it('gives up after 5 reads within 30 s and reports the PR not ready, merging nothing', async () => {
    const sleeps: number[] = [];
    const scope = nock(API)
      .get(PR_PATH)
      .times(5)
      .reply(200, pullRequestBody({ mergeable: null, mergeableState: 'unknown' }))
      .get(`${PR_PATH}/reviews`)
      .query(true)
      .reply(200, approvals);
    const result = await run({}, { sleeps });
    scope.done();
    expect(sleeps).toEqual([2000, 4000, 8000, 16000]);
    expect(sleeps.reduce((a, b) => a + b)).toBeLessThanOrEqual(30_000);
    expect(result).toMatchObject({ action: 'waiting', merged: false, sha: HEAD });
    expect(result.reason).toBe(
      'GitHub has not finished computing whether it can be merged after 5 reads over 30s; not ready, run again later',
    );
  });

  it('does not poll a PR that the policy rejects anyway', async () => {
    const scope = github({ mergeable: null, mergeableState: 'unknown' }, []);
    const sleeps: number[] = [];
    expect(await run({}, { sleeps })).toMatchObject({ action: 'waiting', reason: 'needs 1 approval, has 0' });
    expect(sleeps).toEqual([]);
    scope.done();
  });
});

describe('when the merge is refused', () => {
  it('reports a 409 (the head moved after the check) as an outcome, not a crash', async () => {
    const scope = github().put(`${PR_PATH}/merge`, { sha: HEAD, merge_method: 'merge' }).reply(409, {
      message: 'Head branch was modified. Review and try the merge again.',
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
      status: '409',
    });
    const result = await run();
    scope.done();
    expect(result).toMatchObject({ action: 'waiting', merged: false, sha: HEAD });
    expect(result.reason).toBe(
      'the head moved after 6dcb09b was checked (409: Head branch was modified. Review and try the merge again.); nothing merged, the new head needs its own run',
    );
  });

  it('reports a 405 (not mergeable any more) as an outcome, after checking it was not merged', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(405, {
        message: 'Pull Request is not mergeable',
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
        status: '405',
      })
      .get(PR_PATH)
      .reply(200, pullRequestBody({ mergeable: false, mergeableState: 'dirty' }));
    const result = await run();
    scope.done();
    expect(result).toMatchObject({ action: 'waiting', merged: false });
    expect(result.reason).toBe(
      'GitHub refused the merge (405: Pull Request is not mergeable); nothing merged',
    );
  });

  it('retries a 502 on the merge, and a 405 for a merge that went through is reported as merged', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(502, 'Bad Gateway')
      .put(`${PR_PATH}/merge`)
      .reply(405, { message: 'Pull Request is not mergeable' })
      .get(PR_PATH)
      .reply(200, pullRequestBody({ merged: true }));
    const result = await run();
    scope.done();
    expect(result).toMatchObject({ action: 'merged', merged: true });
    expect(result.reason).toMatch(/as e5bd391 \(GitHub answered 405, but the PR is merged by reletan-bot\)$/);
  });
});

describe('bugs are not GitHub failures', () => {
  it('lets a programming error through as it is, not as GITHUB_API_FAILED', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'sha')");
    const broken = {
      rest: {
        pulls: {
          get: async () => {
            throw bug;
          },
          listReviews: async () => ({ data: [] }),
        },
      },
      paginate: async () => [],
    } as unknown as Octokit;
    const error = await autoMerge({
      github: broken,
      pullRequest: { owner: 'acme', repo: 'shop', number: 42 },
      policy: resolveMergePolicy(),
    }).catch((caught: unknown) => caught);
    expect(error).toBe(bug);
  });
});

describe('a 405 is read for what it says', () => {
  it('reports a PR merged by someone else as skipped, not as merged by this run', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(405, { message: 'Pull Request is not mergeable' })
      .get(PR_PATH)
      .reply(200, pullRequestBody({ merged: true }));
    const result = await run();
    scope.done();
    expect(result).toEqual({
      pr: 'https://github.com/acme/shop/pull/42',
      action: 'skipped',
      merged: false,
      reason:
        'already merged by reletan-bot as e5bd391, not by this run (405: Pull Request is not mergeable)',
      sha: HEAD,
    });
  });

  it('fails (exit 1) saying the merge state is unknown when the PR cannot be read after the 405', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(502, 'Bad Gateway')
      .put(`${PR_PATH}/merge`)
      .reply(405, { message: 'Pull Request is not mergeable' })
      .get(PR_PATH)
      .times(4)
      .reply(503, 'Service Unavailable');
    const error = await run().catch((caught: unknown) => caught);
    scope.done();
    expect(error).toMatchObject({
      code: 'GITHUB_API_FAILED',
      kind: 'failure',
      message:
        'the merge state of https://github.com/acme/shop/pull/42 is unknown: GitHub refused the merge (405: Pull Request is not mergeable), then reading the PR again failed (Service Unavailable)',
      hint: expect.stringMatching(/may have gone through/),
    });
  });

  it.each<[Parameters<typeof resolveMergePolicy>[0], string]>([
    [{}, 'Merge commits are not allowed on this repository.'],
    [{ method: 'squash' }, 'Squash merges are not allowed on this repository.'],
    [{ method: 'rebase' }, 'Rebase merges are not allowed on this repository.'],
  ])(
    'is a usage error (exit 2) naming automerge.method when the method is not allowed: %j',
    async (policy, message) => {
      const scope = github().put(`${PR_PATH}/merge`).reply(405, {
        message,
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
        status: '405',
      });
      const error = await run(policy).catch((caught: unknown) => caught);
      scope.done();
      expect(error).toMatchObject({
        code: 'AUTOMERGE_METHOD_NOT_ALLOWED',
        kind: 'usage',
        message: expect.stringContaining(message),
        input: { path: 'automerge.method', url: 'https://github.com/acme/shop/pull/42' },
        hint: expect.stringMatching(/set automerge\.method/),
      });
    },
  );
});

describe('transient failures and access errors', () => {
  it('retries a 502 and then succeeds', async () => {
    const scope = nock(API)
      .get(PR_PATH)
      .reply(502, 'Bad Gateway')
      .get(PR_PATH)
      .reply(200, pullRequestBody())
      .get(`${PR_PATH}/reviews`)
      .query(true)
      .reply(200, approvals)
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    expect(await run()).toMatchObject({ action: 'merged', merged: true });
    scope.done();
  });

  it('waits out a secondary rate limit on the merge and merges', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '1' })
      .put(`${PR_PATH}/merge`, { sha: HEAD, merge_method: 'merge' })
      .reply(200, mergeResultBody());
    const result = await run({}, { client: { throttle: { retryAfterBaseValue: 1 } } });
    scope.done();
    expect(result).toMatchObject({ action: 'merged', merged: true });
  });

  it('fails (exit 1) after the retries when GitHub keeps failing', async () => {
    // The first attempt and 3 retries: every one must be made (done() fails otherwise), and no fifth.
    const scope = nock(API)
      .get(PR_PATH)
      .times(4)
      .reply(503, 'Service Unavailable')
      .get(`${PR_PATH}/reviews`)
      .query(true)
      .reply(200, []);
    const fifth = nock(API).get(PR_PATH).optionally().reply(200, pullRequestBody());
    await expect(run()).rejects.toMatchObject({
      code: 'GITHUB_API_FAILED',
      kind: 'failure',
      message: expect.stringContaining('503'),
      input: { url: 'https://github.com/acme/shop/pull/42' },
    });
    scope.done();
    expect(fifth.activeMocks()).toHaveLength(1);
  });

  it.each([
    [401, `Bad credentials for ${TOKEN}`, 'GITHUB_AUTH_FAILED', /GITHUB_TOKEN/],
    [403, `Resource not accessible by integration (${TOKEN})`, 'GITHUB_FORBIDDEN', /pull requests/],
    [404, `Not Found: ${TOKEN}`, 'GITHUB_NOT_FOUND', /404 when the token cannot see/],
  ])('fails (exit 1) on a %i with a hint, never printing the token', async (status, message, code, hint) => {
    // GitHub echoing the token back is the worst case: the client registered it with the logger, which
    // redacts it from the verbose error (message, stack and causes) and from the JSON document.
    const body = { message, documentation_url: 'https://docs.github.com/rest' };
    nock(API).get(PR_PATH).reply(status, body).get(`${PR_PATH}/reviews`).query(true).reply(status, body);
    const output = captureLogger({ json: true });
    const error = await run({}, { client: { logger: output.logger }, logger: output.logger }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code, kind: 'failure', hint: expect.stringMatching(hint) });
    expect(formatError(error, { verbose: true })).toContain(TOKEN);
    reportError(error, output.logger, true);
    expect(output.stderr()).toContain(output.logger.redact(formatError(error, { verbose: true })));
    expect(output.stderr()).toContain(message.replace(TOKEN, '***'));
    expect(JSON.parse(output.stdout())).toMatchObject({
      error: { code, message: expect.stringContaining(message.replace(TOKEN, '***')) },
    });
    expect(output.text()).not.toContain(TOKEN);
  });

  it('fails on an unexpected answer to the merge (422)', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'invalid' }] });
    await expect(run()).rejects.toMatchObject({ code: 'GITHUB_API_FAILED', kind: 'failure' });
    scope.done();
  });
});

describe('approvals that GitHub would not count', () => {
  it('does not merge on the approval of someone without write access', async () => {
    // No PUT is intercepted: a merge attempt would fail the run.
    const scope = github({}, [
      reviewBody({ id: 81, login: 'mallory', state: 'APPROVED', authorAssociation: 'CONTRIBUTOR' }),
    ]);
    const result = await run();
    scope.done();
    expect(result).toMatchObject({
      action: 'waiting',
      merged: false,
      reason: 'needs 1 approval, has 0; not counted, as they may lack write access: mallory',
    });
  });

  it('still stops on the change request of someone without write access', async () => {
    const scope = github({}, [
      ...approvals,
      reviewBody({ id: 82, login: 'mallory', state: 'CHANGES_REQUESTED', authorAssociation: 'NONE' }),
    ]);
    expect(await run()).toMatchObject({ action: 'waiting', reason: 'changes requested by mallory' });
    scope.done();
  });
});

describe('reviews are read from every page', () => {
  const page = (from: number, count: number, state = 'COMMENTED') =>
    Array.from({ length: count }, (_, index) =>
      reviewBody({ id: from + index, login: `reviewer${(from + index) % 7}`, state }),
    );
  const link = (next: number, last: number) =>
    `<${API}/repositories/1/pulls/42/reviews?per_page=100&page=${next}>; rel="next", <${API}/repositories/1/pulls/42/reviews?per_page=100&page=${last}>; rel="last"`;

  function pagedReviews(first: unknown[], second: unknown[], third: unknown[]) {
    return nock(API)
      .get(PR_PATH)
      .reply(200, pullRequestBody())
      .get(`${PR_PATH}/reviews`)
      .query({ per_page: '100' })
      .reply(200, first, { link: link(2, 3) })
      .get('/repositories/1/pulls/42/reviews')
      .query({ per_page: '100', page: '2' })
      .reply(200, second, { link: link(3, 3) })
      .get('/repositories/1/pulls/42/reviews')
      .query({ per_page: '100', page: '3' })
      .reply(200, third);
  }

  it('sees a change request on the last of 3 pages (250 reviews)', async () => {
    const scope = pagedReviews(
      [reviewBody({ id: 1, login: 'alice', state: 'APPROVED' }), ...page(2, 99)],
      page(101, 100),
      [...page(201, 49), reviewBody({ id: 250, login: 'bob', state: 'CHANGES_REQUESTED' })],
    );
    const result = await run();
    scope.done();
    expect(result).toMatchObject({ action: 'waiting', reason: 'changes requested by bob' });
  });

  it('reads the pages once while GitHub computes mergeability, re-reading only the PR', async () => {
    const unknown = pullRequestBody({ mergeable: null, mergeableState: 'unknown' });
    // Each page is served once: a second read of any would find no interceptor and fail the run.
    const scope = nock(API)
      .get(PR_PATH)
      .times(2)
      .reply(200, unknown)
      .get(PR_PATH)
      .reply(200, pullRequestBody())
      .get(`${PR_PATH}/reviews`)
      .query({ per_page: '100' })
      .reply(200, [reviewBody({ id: 1, login: 'alice', state: 'APPROVED' }), ...page(2, 99)], {
        link: link(2, 3),
      })
      .get('/repositories/1/pulls/42/reviews')
      .query({ per_page: '100', page: '2' })
      .reply(200, page(101, 100), { link: link(3, 3) })
      .get('/repositories/1/pulls/42/reviews')
      .query({ per_page: '100', page: '3' })
      .reply(200, page(201, 50))
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    const sleeps: number[] = [];
    const result = await run({}, { sleeps });
    scope.done();
    expect(sleeps).toEqual([2000, 4000]);
    expect(result).toMatchObject({ action: 'merged', reason: expect.stringMatching(/^approved by alice;/) });
  });

  it("folds the pages in order: a change request on page 1 is cleared by the reviewer's approval on page 3", async () => {
    const scope = pagedReviews(
      [reviewBody({ id: 1, login: 'bob', state: 'CHANGES_REQUESTED' }), ...page(2, 99)],
      page(101, 100),
      [...page(201, 49), reviewBody({ id: 250, login: 'bob', state: 'APPROVED' })],
    )
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    const result = await run();
    scope.done();
    expect(result).toMatchObject({ action: 'merged', reason: expect.stringMatching(/^approved by bob;/) });
  });
});

describe('PRs the policy does not merge', () => {
  it.each<[string, Parameters<typeof pullRequestBody>[0], Parameters<typeof resolveMergePolicy>[0], RegExp]>([
    ['from a fork', { fork: 'stranger/shop', headRef: 'patch-1' }, {}, /fork \(stranger\/shop\)/],
    ['with the skip label', { labels: ['bug', 'automerge:skip'] }, {}, /"automerge:skip"/],
    [
      'without the required label',
      { labels: ['bug'] },
      { requireLabel: 'ship-it' },
      /lacks the label "ship-it"/,
    ],
    ['to a base branch not allowed', { baseRef: 'main' }, { baseBranches: ['develop'] }, /targets main/],
    ['already merged', { merged: true }, {}, /already merged/],
  ])('skips a PR %s, writing nothing', async (_name, pr, policy, reason) => {
    const scope = github(pr);
    const result = await run(policy);
    scope.done();
    expect(result).toMatchObject({
      action: 'skipped',
      merged: false,
      sha: HEAD,
      reason: expect.stringMatching(reason),
    });
  });

  it('merges a fork PR when allowForks is set, and never deletes its branch', async () => {
    const scope = github({ fork: 'stranger/shop', headRef: 'patch-1' })
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    const result = await run({ allowForks: true, deleteBranch: true });
    scope.done();
    expect(result).toMatchObject({ action: 'merged', merged: true });
    expect(result.reason).not.toMatch(/branch/);
  });

  it('merges a PR that has the required label', async () => {
    const scope = github({ labels: ['ship-it'] })
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    expect(await run({ requireLabel: 'ship-it' })).toMatchObject({ action: 'merged' });
    scope.done();
  });
});

describe('a branch that is behind its base', () => {
  it('is updated with expected_head_sha when updateBranch is set, and not merged', async () => {
    let body: unknown;
    const scope = github({ mergeableState: 'behind' })
      .put(`${PR_PATH}/update-branch`)
      .reply(202, (_uri, requestBody) => {
        body = requestBody;
        return {
          message: 'Updating pull request branch.',
          url: 'https://github.com/repos/acme/shop/pulls/42',
        };
      });
    const result = await run({ updateBranch: true });
    scope.done();
    expect(body).toEqual({ expected_head_sha: HEAD });
    expect(result).toMatchObject({ action: 'updated-branch', merged: false, sha: HEAD });
    expect(result.reason).toMatch(/GitHub will merge develop into feature\/cart \(expected head 6dcb09b\)/);
  });

  it('reports a 422 from update-branch (the head moved) as waiting', async () => {
    const scope = github({ mergeableState: 'behind' })
      .put(`${PR_PATH}/update-branch`)
      .reply(422, { message: "expected head sha didn't match current head ref." });
    const result = await run({ updateBranch: true });
    scope.done();
    expect(result).toMatchObject({ action: 'waiting', merged: false });
    expect(result.reason).toMatch(/422: expected head sha didn't match current head ref/);
  });

  it('waits, saying why, when updateBranch is off', async () => {
    const scope = github({ mergeableState: 'behind' });
    expect((await run()).reason).toMatch(/behind develop.*automerge\.updateBranch is off/);
    scope.done();
  });
});

describe('deleting the head branch', () => {
  it('deletes it after merging when deleteBranch is set', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody())
      .get('/repos/acme/shop/pulls')
      .query({ state: 'open', base: 'feature/cart', per_page: '1' })
      .reply(200, [])
      .delete('/repos/acme/shop/git/refs/heads%2Ffeature%2Fcart')
      .reply(204);
    const result = await run({ deleteBranch: true });
    scope.done();
    expect(result.reason).toMatch(/; deleted branch feature\/cart$/);
  });

  it('keeps it when other open PRs target it (deleting would close them)', async () => {
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody())
      .get('/repos/acme/shop/pulls')
      .query(true)
      .reply(200, [pullRequestBody({ number: 43, baseRef: 'feature/cart', headRef: 'feature/cart-ui' })]);
    const result = await run({ deleteBranch: true });
    scope.done();
    expect(result).toMatchObject({
      merged: true,
      reason: expect.stringMatching(/kept branch feature\/cart: open pull requests target it$/),
    });
  });

  it('does not fail the merged run when the branch is already gone or cannot be deleted', async () => {
    const gone = github()
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody())
      .get('/repos/acme/shop/pulls')
      .query(true)
      .reply(200, [])
      .delete('/repos/acme/shop/git/refs/heads%2Ffeature%2Fcart')
      .reply(422, { message: 'Reference does not exist' });
    expect((await run({ deleteBranch: true })).reason).toMatch(/branch feature\/cart was already deleted$/);
    gone.done();

    const { logger, text } = captureLogger();
    const refused = github()
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody())
      .get('/repos/acme/shop/pulls')
      .query(true)
      .reply(200, [])
      .delete('/repos/acme/shop/git/refs/heads%2Ffeature%2Fcart')
      .reply(403, { message: 'Cannot delete this protected branch' });
    const result = await run({ deleteBranch: true }, { logger });
    refused.done();
    expect(result).toMatchObject({
      merged: true,
      reason: expect.stringMatching(/could not delete branch feature\/cart$/),
    });
    expect(text()).toContain(
      'merged, but could not delete branch feature/cart: Cannot delete this protected branch',
    );
  });
});

describe('branches that are never deleted', () => {
  const gitFlow: KeepBranches = { names: ['main', 'develop'], prefixes: ['release/', 'hotfix/'] };

  it.each([
    ['the default branch', 'trunk', {}, "kept branch trunk: it is the repository's default branch"],
    ['develop', 'develop', gitFlow, 'kept branch develop: it is a long-lived branch'],
    ['main', 'main', gitFlow, "kept branch main: it is the repository's default branch"],
    ['a release branch', 'release/1.4.0', gitFlow, 'kept branch release/1.4.0: branches under release/'],
    ['a hotfix branch', 'hotfix/1.4.1', gitFlow, 'kept branch hotfix/1.4.1: branches under hotfix/'],
  ])('keeps %s as the head of a merged PR, asking nothing', async (_name, headRef, keepBranches, kept) => {
    // Neither the list of dependent PRs nor a DELETE is intercepted: either would fail the run.
    const body = pullRequestBody({ headRef, baseRef: 'staging' });
    const defaultBranch = headRef === 'trunk' ? 'trunk' : 'main';
    body.base.repo.default_branch = defaultBranch;
    const scope = nock(API)
      .get(PR_PATH)
      .reply(200, body)
      .get(`${PR_PATH}/reviews`)
      .query(true)
      .reply(200, approvals)
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody());
    const result = await run({ deleteBranch: true }, { keepBranches });
    scope.done();
    expect(result).toMatchObject({ action: 'merged', merged: true });
    expect(result.reason).toContain(`; ${kept}`);
  });

  it('says in a dry run that it would keep it', async () => {
    const scope = github({ headRef: 'release/1.4.0' });
    const result = await run({ deleteBranch: true }, { dryRun: true, keepBranches: gitFlow });
    scope.done();
    expect(result.reason).toMatch(/; would keep branch release\/1\.4\.0: branches under release\/ /);
  });

  it('deletes a topic branch that only looks like a kept one', async () => {
    const scope = github({ headRef: 'feature/release/notes' })
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody())
      .get('/repos/acme/shop/pulls')
      .query(true)
      .reply(200, [])
      .delete('/repos/acme/shop/git/refs/heads%2Ffeature%2Frelease%2Fnotes')
      .reply(204);
    const result = await run({ deleteBranch: true }, { keepBranches: gitFlow });
    scope.done();
    expect(result.reason).toMatch(/; deleted branch feature\/release\/notes$/);
  });

  it('warns on a 422 that is not "Reference does not exist", instead of calling the branch deleted', async () => {
    const { logger, text } = captureLogger();
    const scope = github()
      .put(`${PR_PATH}/merge`)
      .reply(200, mergeResultBody())
      .get('/repos/acme/shop/pulls')
      .query(true)
      .reply(200, [])
      .delete('/repos/acme/shop/git/refs/heads%2Ffeature%2Fcart')
      .reply(422, { message: 'Validation Failed', status: '422' });
    const result = await run({ deleteBranch: true }, { logger });
    scope.done();
    expect(result).toMatchObject({
      merged: true,
      reason: expect.stringMatching(/could not delete branch feature\/cart$/),
    });
    expect(text()).toContain('merged, but could not delete branch feature/cart: Validation Failed');
  });
});

describe('--dry-run', () => {
  it('decides and reports the merge, writing nothing', async () => {
    // No PUT or DELETE is intercepted: any write would fail the run with "no match".
    const scope = github();
    const result = await run({ deleteBranch: true, method: 'rebase' }, { dryRun: true });
    scope.done();
    expect(result).toEqual({
      pr: 'https://github.com/acme/shop/pull/42',
      action: 'merged',
      merged: false,
      reason:
        'would merge head 6dcb09b with rebase; approved by alice; checks passed; would delete branch feature/cart',
      sha: HEAD,
      dryRun: true,
    });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('reports the branch update it would make, writing nothing', async () => {
    const scope = github({ mergeableState: 'behind' });
    expect(await run({ updateBranch: true }, { dryRun: true })).toMatchObject({
      action: 'updated-branch',
      merged: false,
      dryRun: true,
      reason: expect.stringMatching(/would merge develop into feature\/cart/),
    });
    scope.done();
  });
});

describe('explaining a blocked PR', () => {
  const statusBody = (statuses: { context: string; state: string }[]) => ({
    state: statuses.some((s) => s.state === 'failure') ? 'failure' : 'pending',
    statuses: statuses.map((status, index) => ({
      url: `${API}/repos/acme/shop/statuses/${HEAD}`,
      id: 1 + index,
      node_id: `MDY6U3RhdHVzMQ${index}`,
      state: status.state,
      description: 'Build finished',
      target_url: 'https://ci.example.com/1000/output',
      context: status.context,
      created_at: '2026-11-21T09:00:00Z',
      updated_at: '2026-11-21T09:00:00Z',
    })),
    sha: HEAD,
    total_count: statuses.length,
    repository: { id: 1, full_name: 'acme/shop' },
  });
  const checkRun = (name: string, status: string, conclusion: string | null) => ({
    id: 4,
    head_sha: HEAD,
    node_id: 'MDg6Q2hlY2tSdW40',
    external_id: '',
    url: `${API}/repos/acme/shop/check-runs/4`,
    html_url: 'https://github.com/acme/shop/runs/4',
    details_url: 'https://example.com',
    status,
    conclusion,
    started_at: '2026-11-21T09:00:00Z',
    completed_at: conclusion ? '2026-11-21T09:05:00Z' : null,
    name,
    check_suite: { id: 5 },
    app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' },
    pull_requests: [],
  });

  it('names failing and running required checks, and missing approvals, from rules, protection, statuses and check runs', async () => {
    const scope = github({ mergeableState: 'blocked' })
      .get('/repos/acme/shop/rules/branches/develop')
      .query({ per_page: '100' })
      .reply(200, [
        {
          type: 'required_status_checks',
          parameters: {
            strict_required_status_checks_policy: false,
            required_status_checks: [{ context: 'ci/test' }],
          },
          ruleset_source_type: 'Repository',
          ruleset_source: 'acme/shop',
          ruleset_id: 7,
        },
        {
          type: 'pull_request',
          parameters: {
            required_approving_review_count: 2,
            dismiss_stale_reviews_on_push: false,
            require_code_owner_review: true,
            require_last_push_approval: false,
            required_review_thread_resolution: false,
          },
          ruleset_source_type: 'Repository',
          ruleset_source: 'acme/shop',
          ruleset_id: 7,
        },
      ])
      .get('/repos/acme/shop/branches/develop')
      .reply(200, {
        name: 'develop',
        commit: { sha: '9049f1265b7d61be4a8904a9a27120d2064dab3b' },
        _links: {
          self: `${API}/repos/acme/shop/branches/develop`,
          html: 'https://github.com/acme/shop/tree/develop',
        },
        protected: true,
        protection: {
          enabled: true,
          required_status_checks: {
            enforcement_level: 'non_admins',
            contexts: ['lint'],
            checks: [{ context: 'lint', app_id: 15368 }],
          },
        },
        protection_url: `${API}/repos/acme/shop/branches/develop/protection`,
      })
      .get(`/repos/acme/shop/commits/${HEAD}/status`)
      .query({ per_page: '100' })
      .reply(200, statusBody([{ context: 'ci/test', state: 'failure' }]))
      .get(`/repos/acme/shop/commits/${HEAD}/check-runs`)
      .query({ per_page: '100' })
      .reply(200, { total_count: 1, check_runs: [checkRun('lint', 'in_progress', null)] });
    const result = await run();
    scope.done();
    expect(result).toMatchObject({ action: 'waiting', merged: false });
    expect(result.reason).toBe(
      "blocked: required checks failed: ci/test; required checks still running: lint; the base branch requires 2 approving reviews, it has 1; the base branch also requires a code owner's approval",
    );
  });

  it('says what it could not read, and still lists failing checks', async () => {
    const scope = github({ mergeableState: 'blocked' })
      .get('/repos/acme/shop/rules/branches/develop')
      .query(true)
      .reply(404, { message: 'Not Found' })
      .get('/repos/acme/shop/branches/develop')
      .reply(404, { message: 'Branch not found' })
      .get(`/repos/acme/shop/commits/${HEAD}/status`)
      .query(true)
      .reply(200, statusBody([]))
      .get(`/repos/acme/shop/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 1, check_runs: [checkRun('e2e', 'completed', 'failure')] });
    const result = await run();
    scope.done();
    expect(result.reason).toBe(
      'blocked: checks failed: e2e (this token cannot see whether they are required) (could not read the rules of develop, the protection of develop)',
    );
  });

  it('lists the failing checks of an unstable PR', async () => {
    const scope = github({ mergeableState: 'unstable' })
      .get('/repos/acme/shop/rules/branches/develop')
      .query(true)
      .reply(200, [])
      .get('/repos/acme/shop/branches/develop')
      .reply(200, {
        name: 'develop',
        protected: false,
        protection: {
          enabled: false,
          required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
        },
      })
      .get(`/repos/acme/shop/commits/${HEAD}/status`)
      .query(true)
      .reply(200, statusBody([{ context: 'coverage', state: 'failure' }]))
      .get(`/repos/acme/shop/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] });
    const result = await run();
    scope.done();
    expect(result).toMatchObject({
      action: 'waiting',
      reason: 'checks that are not required are failing: coverage (automerge.allowUnstable is off)',
    });
  });
});

describe('conflicts and drafts', () => {
  it.each([
    [{ mergeable: false, mergeableState: 'dirty' }, 'it has merge conflicts with develop'],
    [{ draft: true, mergeableState: 'draft' }, 'it is a draft'],
  ])('waits for %j', async (pr, reason) => {
    const scope = github(pr);
    expect(await run()).toMatchObject({ action: 'waiting', merged: false, reason });
    scope.done();
  });
});
