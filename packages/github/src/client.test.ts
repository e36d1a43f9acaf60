import { captureLogger } from '@reletan/core/testing';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubAccess } from './access.js';
import {
  createGitHubClient,
  gitHubApiUrlForHost,
  requireGitHubApiUrlForHost,
  resolveGitHubApiUrl,
  resolveGitHubToken,
} from './client.js';

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

const fast = { retry: { retryAfterBaseValue: 1 }, throttle: { retryAfterBaseValue: 1 } };

describe('finding the token and API', () => {
  it('prefers GITHUB_TOKEN over GH_TOKEN', () => {
    expect(resolveGitHubToken({ GITHUB_TOKEN: 'a', GH_TOKEN: 'b' })).toEqual({
      token: 'a',
      source: 'GITHUB_TOKEN',
    });
    expect(resolveGitHubToken({ GH_TOKEN: 'b' })).toEqual({ token: 'b', source: 'GH_TOKEN' });
    expect(resolveGitHubToken({})).toBeUndefined();
  });

  it('uses GITHUB_API_URL for GitHub Enterprise', async () => {
    expect(resolveGitHubApiUrl({ GITHUB_API_URL: 'https://ghe.acme.io/api/v3/' })).toBe(
      'https://ghe.acme.io/api/v3',
    );
    const scope = nock('https://ghe.acme.io/api/v3')
      .get('/repos/acme/shop')
      .reply(200, { full_name: 'acme/shop' });
    const github = await createGitHubClient({
      env: { GITHUB_TOKEN: 'ghs_test_token', GITHUB_API_URL: 'https://ghe.acme.io/api/v3' },
    });
    expect((await github.rest.repos.get({ owner: 'acme', repo: 'shop' })).data.full_name).toBe('acme/shop');
    scope.done();
  });

  it('is a usage error without a token', async () => {
    await expect(createGitHubClient({ env: {} })).rejects.toMatchObject({
      code: 'GITHUB_TOKEN_MISSING',
      kind: 'usage',
    });
  });
});

describe('requests', () => {
  it('authenticates with the token and never prints it', async () => {
    const { logger, output: text } = captureLogger();
    const scope = nock('https://api.github.com', {
      reqheaders: { authorization: 'token ghp_supersecret123' },
    })
      .get('/repos/acme/shop')
      .reply(200, {});
    const github = await createGitHubClient({ env: { GITHUB_TOKEN: 'ghp_supersecret123' }, logger });
    await github.rest.repos.get({ owner: 'acme', repo: 'shop' });
    scope.done();
    logger.error('request failed with token ghp_supersecret123');
    expect(text()).not.toContain('ghp_supersecret123');
  });

  it('retries a 502 and succeeds', async () => {
    const scope = nock('https://api.github.com')
      .get('/repos/acme/shop/pulls/1')
      .reply(502, 'bad gateway')
      .get('/repos/acme/shop/pulls/1')
      .reply(200, { number: 1 });
    const github = await createGitHubClient({ env: { GITHUB_TOKEN: 'ghs_test_token' }, ...fast });
    expect((await github.rest.pulls.get({ owner: 'acme', repo: 'shop', pull_number: 1 })).data.number).toBe(
      1,
    );
    scope.done();
  });

  it('gives up after the configured retries of a persistent 5xx', async () => {
    const scope = nock('https://api.github.com').get('/repos/acme/shop').times(3).reply(503, 'unavailable');
    const github = await createGitHubClient({
      env: { GITHUB_TOKEN: 'ghs_test_token' },
      retry: { retries: 2, retryAfterBaseValue: 1 },
    });
    await expect(github.rest.repos.get({ owner: 'acme', repo: 'shop' })).rejects.toMatchObject({
      status: 503,
    });
    scope.done();
  });

  it.each([405, 409, 422])('does not retry a %i, which is an answer', async (status) => {
    const scope = nock('https://api.github.com')
      .put('/repos/acme/shop/pulls/1/merge')
      .once()
      .reply(status, { message: 'no' });
    const github = await createGitHubClient({
      env: { GITHUB_TOKEN: 'ghs_test_token' },
      ...fast,
      throttle: { enabled: false },
    });
    await expect(
      github.rest.pulls.merge({ owner: 'acme', repo: 'shop', pull_number: 1, sha: 'abc' }),
    ).rejects.toMatchObject({ status });
    scope.done();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('waits out a secondary rate limit and retries, with a warning', async () => {
    const { logger, output: text } = captureLogger();
    const scope = nock('https://api.github.com')
      .get('/repos/acme/shop')
      .reply(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '1' })
      .get('/repos/acme/shop')
      .reply(200, { full_name: 'acme/shop' });
    const github = await createGitHubClient({ env: { GITHUB_TOKEN: 'ghs_test_token' }, logger, ...fast });
    expect((await github.rest.repos.get({ owner: 'acme', repo: 'shop' })).data.full_name).toBe('acme/shop');
    scope.done();
    expect(text()).toContain('secondary rate limit');
  });
});

describe('rate limits answered with 429', () => {
  it('are retried only by the throttling plugin, as often as it allows, not also by the retry plugin', async () => {
    let requests = 0;
    // A read: plugin-throttling spaces writes a second apart, which would only slow the test down.
    nock('https://api.github.com')
      .get('/repos/acme/shop')
      .times(20)
      .reply(() => {
        requests++;
        return [429, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '1' }];
      });
    const github = await createGitHubClient({ env: { GITHUB_TOKEN: 'ghs_test_token' }, ...fast });
    await expect(github.rest.repos.get({ owner: 'acme', repo: 'shop' })).rejects.toMatchObject({
      status: 429,
    });
    // The first request and the throttling plugin's 3 retries; the retry plugin would have multiplied each.
    expect(requests).toBe(4);
  });
});

describe('which API serves a repository host', () => {
  it('serves github.com from the public API, or a GITHUB_API_URL on api.github.com', () => {
    expect(gitHubApiUrlForHost('github.com', {})).toBe('https://api.github.com');
    expect(gitHubApiUrlForHost('GitHub.com', { GITHUB_API_URL: 'https://api.github.com/' })).toBe(
      'https://api.github.com',
    );
  });

  it('serves an Enterprise host only from a GITHUB_API_URL on that host', () => {
    expect(gitHubApiUrlForHost('ghe.acme.io', { GITHUB_API_URL: 'https://ghe.acme.io/api/v3' })).toBe(
      'https://ghe.acme.io/api/v3',
    );
    expect(gitHubApiUrlForHost('ghe.acme.io', {})).toBeUndefined();
    expect(
      gitHubApiUrlForHost('evil.example', { GITHUB_API_URL: 'https://ghe.acme.io/api/v3' }),
    ).toBeUndefined();
  });

  it('never sends a github.com repository to an Enterprise API', () => {
    expect(
      gitHubApiUrlForHost('github.com', { GITHUB_API_URL: 'https://ghe.acme.io/api/v3' }),
    ).toBeUndefined();
  });

  it('explains the mismatch as a usage error naming GITHUB_API_URL', () => {
    expect(() =>
      requireGitHubApiUrlForHost('evil.example', 'the pull request https://evil.example/a/b/pull/1', {}),
    ).toThrow(
      expect.objectContaining({
        code: 'GITHUB_HOST_MISMATCH',
        kind: 'usage',
        hint: expect.stringContaining('GITHUB_API_URL=https://evil.example/api/v3'),
      }),
    );
  });
});

describe('the access of a run', () => {
  it('makes one client per API, with the token, and sends it only to the API serving the host', async () => {
    const { logger } = captureLogger();
    const access = createGitHubAccess({ env: { GITHUB_TOKEN: 'ghp_test' }, logger });
    expect(access.token).toEqual({ token: 'ghp_test', source: 'GITHUB_TOKEN' });
    const first = await access.client('github.com', 'the repository acme/shop');
    expect(await access.client('github.com', 'the pull request #7')).toBe(first);
    await expect(access.client('ghe.acme.io', 'the repository acme/shop')).rejects.toMatchObject({
      code: 'GITHUB_HOST_MISMATCH',
    });
  });

  it('has no token without GITHUB_TOKEN or GH_TOKEN, and refuses a client (exit 2)', async () => {
    const access = createGitHubAccess({ env: {} });
    expect(access.token).toBeUndefined();
    await expect(access.client('github.com', 'the repository')).rejects.toMatchObject({
      code: 'GITHUB_TOKEN_MISSING',
      kind: 'usage',
    });
  });

  it('shows every request under --verbose: method, path and status, never the token', async () => {
    nock('https://api.github.com').get('/repos/acme/shop').reply(200, { full_name: 'acme/shop' });
    const { logger, output: text } = captureLogger();
    const access = createGitHubAccess({ env: { GITHUB_TOKEN: 'ghp_secret_token' }, logger });
    const client = await access.client('github.com', 'the repository');
    await client.rest.repos.get({ owner: 'acme', repo: 'shop' });
    expect(text()).toMatch(/GitHub GET \/repos\/acme\/shop → 200 \(\d+ ms\)/);
    expect(text()).not.toContain('ghp_secret_token');
  });
});
