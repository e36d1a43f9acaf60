import { validateConfig } from '@reletan/config';
import type { TestRepo } from '@reletan/core/testing';
import { createGitHubAccess, createGitHubClient, type GitHubAccess } from '@reletan/github';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { finishFlow, startFlow } from './flow.js';
import { createGitHubRelease } from './github-release.js';
import { releaseNotes } from './notes.js';
import { formatMarkdown, formatSlack, groupPullRequests } from './notes-format.js';
import {
  commitFile,
  createDevelopRepo,
  importCommits,
  mergePullRequest,
  squashPullRequest,
} from './test-support.js';

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
});

const repos: TestRepo[] = [];
const unmatched: string[] = [];
const recordUnmatched = (request: { method?: string; path?: string }) =>
  unmatched.push(`${request.method} ${request.path}`);
nock.emitter.on('no match', recordUnmatched);
afterEach(async () => {
  nock.cleanAll();
  unmatched.length = 0;
  await Promise.all(repos.splice(0).map((repo) => repo.cleanup()));
});

async function developRepo(): Promise<TestRepo> {
  const repo = await createDevelopRepo();
  repos.push(repo);
  return repo;
}

const token = 'ghs_notes_test_token';
const config = (extra: object = {}) => validateConfig({ github: { repository: 'acme/shop' }, ...extra });

/** A GitHub GraphQL endpoint for nock: answers every aliased pullRequest field, counts the calls. */
function graphqlApi(origin: string, path: string, describe: (number: number) => object | null) {
  const calls: number[][] = [];
  const scope = nock(origin)
    .post(path)
    .reply(200, (_uri, body) => {
      const { query, variables } = body as { query: string; variables: { owner: string; name: string } };
      expect(variables).toEqual({ owner: 'acme', name: 'shop' });
      const numbers = [...query.matchAll(/pr(\d+): pullRequest\(number: (\d+)\)/g)].map((match) =>
        Number(match[2]),
      );
      calls.push(numbers);
      const repository: Record<string, object | null> = {};
      for (const number of numbers) repository[`pr${number}`] = describe(number);
      const missing = numbers.filter((number) => repository[`pr${number}`] === null);
      return {
        data: { repository },
        ...(missing.length
          ? {
              errors: missing.map((number) => ({
                type: 'NOT_FOUND',
                path: ['repository', `pr${number}`],
                message: `Could not resolve to a PullRequest with the number of ${number}.`,
              })),
            }
          : {}),
      };
    })
    .persist();
  return { scope, calls };
}

const pullRequest = (number: number, host = 'github.com') => ({
  number,
  title: `Title from GitHub ${number}`,
  url: `https://${host}/acme/shop/pull/${number}`,
  author:
    number % 50 === 0
      ? { __typename: 'Bot', login: 'dependabot' }
      : { __typename: 'User', login: `dev${number % 5}` },
  labels: { nodes: [{ name: number % 2 ? 'bug' : 'feature' }] },
});

describe('release notes from local history, with zero API calls', () => {
  it('lists merged and squashed pull requests since the last release, oldest first, without back-merges or bumps', async () => {
    const repo = await developRepo();
    await startFlow({ git: repo.git, config: config(), kind: 'release', version: '1.0.0', env: {} });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await finishFlow({ git: repo.git, config: config(), kind: 'release', env: {} });
    await mergePullRequest(repo, 3, 'Show stock levels');
    await squashPullRequest(repo, 4, 'Fix the tax on shipping');
    await repo.git.run(['checkout', '-q', '-b', 'release/1.1.0']);
    await commitFile(repo, 'VERSION', '1.1.0\n', 'Bump version to 1.1.0');
    await repo.git.run(['checkout', '-q', 'develop']);
    await repo.git.run([
      'merge',
      '-q',
      '--no-ff',
      '-m',
      'Merge pull request #5 from acme/release/1.1.0\n\nRelease 1.1.0',
      'release/1.1.0',
    ]);
    await repo.git.run(['checkout', '-q', 'release/1.1.0']);

    const notes = await releaseNotes({ git: repo.git, config: config(), env: {} });
    expect(notes).toEqual({
      from: 'v1.0.0',
      to: 'release/1.1.0',
      pullRequests: [
        { number: 3, title: 'Show stock levels', url: 'https://github.com/acme/shop/pull/3' },
        { number: 4, title: 'Fix the tax on shipping', url: 'https://github.com/acme/shop/pull/4' },
      ],
    });
    expect(unmatched).toEqual([]);

    // Without a release in progress, up to develop; --from and --to override.
    await repo.git.run(['checkout', '-q', 'develop']);
    await repo.git.run(['branch', '-q', '-D', 'release/1.1.0']);
    expect((await releaseNotes({ git: repo.git, config: config(), env: {} })).to).toBe('develop');
    const all = await releaseNotes({
      git: repo.git,
      config: config(),
      env: {},
      from: 'main~1',
      to: 'v1.0.0',
    });
    expect(all.pullRequests.map((pr) => pr.number)).toEqual([1, 2]);
  });

  it("ending at a release tag (or at main), lists that release's pull requests and names its version", async () => {
    const repo = await developRepo();
    const release = async (version: string) => {
      await startFlow({ git: repo.git, config: config(), kind: 'release', version, env: {} });
      await commitFile(repo, 'VERSION', `${version}\n`, `Bump version to ${version}`);
      await finishFlow({ git: repo.git, config: config(), kind: 'release', env: {} });
    };
    await release('1.0.0');
    await mergePullRequest(repo, 3, 'Show stock levels');
    await squashPullRequest(repo, 4, 'Fix the tax on shipping');
    await release('1.1.0');
    const url = (number: number) => `https://github.com/acme/shop/pull/${number}`;

    expect(await releaseNotes({ git: repo.git, config: config(), env: {}, to: 'v1.1.0' })).toEqual({
      from: 'v1.0.0',
      to: 'v1.1.0',
      version: '1.1.0',
      pullRequests: [
        { number: 3, title: 'Show stock levels', url: url(3) },
        { number: 4, title: 'Fix the tax on shipping', url: url(4) },
      ],
    });
    const first = await releaseNotes({ git: repo.git, config: config(), env: {}, to: 'v1.0.0' });
    expect(first).toMatchObject({ from: null, version: '1.0.0' });
    expect(first.pullRequests.map((pr) => pr.number)).toEqual([1, 2]);
    const main = await releaseNotes({ git: repo.git, config: config(), env: {}, to: 'main' });
    expect(main).toMatchObject({ from: 'v1.0.0', to: 'main' });
    expect(main).not.toHaveProperty('version');
    expect(main.pullRequests.map((pr) => pr.number)).toEqual([3, 4]);
    // An explicit --from still wins.
    const since = await releaseNotes({
      git: repo.git,
      config: config(),
      env: {},
      from: 'v1.1.0',
      to: 'v1.1.0',
    });
    expect(since).toMatchObject({ from: 'v1.1.0', version: '1.1.0', pullRequests: [] });
  });

  it('is a usage error for a --from or --to that does not exist', async () => {
    const repo = await developRepo();
    await expect(
      releaseNotes({ git: repo.git, config: config(), env: {}, to: 'nope' }),
    ).rejects.toMatchObject({
      code: 'REF_NOT_FOUND',
      kind: 'usage',
      message: '--to nope: no such branch, tag or commit',
    });
  });

  it('leaves out bots it can see locally (squash commits authored by a [bot])', async () => {
    const repo = await developRepo();
    await importCommits(repo.git, 'develop', [
      {
        message: 'Bump lodash from 4.17.20 to 4.17.21 (#9)',
        author: { name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com' },
      },
      {
        message: 'Add gift cards (#10)',
        author: { name: 'Alice', email: '111+alice@users.noreply.github.com' },
      },
    ]);
    const notes = await releaseNotes({ git: repo.git, config: config(), env: {} });
    expect(notes.pullRequests.map((pr) => [pr.number, pr.author])).toEqual([
      [1, undefined],
      [2, undefined],
      [10, 'alice'],
    ]);
  });
});

describe('enrichment from GitHub with a token', () => {
  it('reads 250 pull requests in exactly 3 GraphQL calls, leaving out bots and excluded authors', async () => {
    const repo = await developRepo();
    await importCommits(
      repo.git,
      'develop',
      Array.from({ length: 248 }, (_, index) => ({ message: `Local title ${index + 3} (#${index + 3})` })),
    );
    const api = graphqlApi('https://api.github.com', '/graphql', (number) => pullRequest(number));
    const env = { GITHUB_TOKEN: token };
    const notes = await releaseNotes({
      git: repo.git,
      config: config({ release: { notes: { excludeAuthors: ['dev3'] } } }),
      env,
    });
    expect(api.calls.map((numbers) => numbers.length)).toEqual([100, 100, 50]);
    expect(new Set(api.calls.flat()).size).toBe(250);
    expect(unmatched).toEqual([]);
    const numbers = notes.pullRequests.map((pr) => pr.number);
    expect(numbers).toHaveLength(250 - 5 - 50); // 5 bots (every 50th), 50 by dev3
    expect(numbers).not.toContain(50);
    expect(numbers).not.toContain(3);
    expect(notes.pullRequests[0]).toEqual({
      number: 1,
      title: 'Title from GitHub 1',
      author: 'dev1',
      labels: ['bug'],
      url: 'https://github.com/acme/shop/pull/1',
    });
  });

  it('asks GitHub Enterprise at /api/graphql when GITHUB_API_URL is https://HOST/api/v3', async () => {
    const repo = await developRepo();
    const api = graphqlApi('https://ghe.acme.io', '/api/graphql', (number) =>
      pullRequest(number, 'ghe.acme.io'),
    );
    const notes = await releaseNotes({
      git: repo.git,
      config: config(),
      env: { GITHUB_TOKEN: token, GITHUB_API_URL: 'https://ghe.acme.io/api/v3' },
    });
    expect(api.calls).toEqual([[1, 2]]);
    expect(notes.pullRequests.map((pr) => pr.url)).toEqual([
      'https://ghe.acme.io/acme/shop/pull/1',
      'https://ghe.acme.io/acme/shop/pull/2',
    ]);
  });

  it('keeps the local title of a number GitHub does not know as a pull request', async () => {
    const repo = await developRepo();
    graphqlApi('https://api.github.com', '/graphql', (number) => (number === 2 ? null : pullRequest(number)));
    const notes = await releaseNotes({ git: repo.git, config: config(), env: { GITHUB_TOKEN: token } });
    expect(notes.pullRequests.map((pr) => pr.title)).toEqual([
      'Title from GitHub 1',
      'Fix the price rounding',
    ]);
  });

  it('asks no API, with a warning, for a repository on a host no configured API serves', async () => {
    const repo = await developRepo();
    const cases = [
      {
        remote: 'git@ghe.acme.io:acme/shop.git',
        env: {},
        says: 'is on ghe.acme.io, which is not github.com',
      },
      {
        remote: 'https://gitlab.com/acme/shop.git',
        env: { GITHUB_API_URL: 'https://ghe.acme.io/api/v3' },
        says: 'is on gitlab.com, which GITHUB_API_URL (https://ghe.acme.io/api/v3) does not serve',
      },
    ];
    for (const { remote, env, says } of cases) {
      await repo.git.run(['remote', 'set-url', 'origin', remote]);
      const warnings: string[] = [];
      const logger = { warn: (message: string) => warnings.push(message), secret: () => {} } as never;
      const notes = await releaseNotes({
        git: repo.git,
        config: validateConfig({}),
        env: { GITHUB_TOKEN: token, ...env },
        logger,
      });
      expect(notes.pullRequests.map((pr) => pr.title)).toEqual(['Add the cart', 'Fix the price rounding']);
      expect(warnings).toEqual([
        expect.stringContaining(`the repository acme/shop ${says}; the notes come from git alone`),
      ]);
      expect(unmatched).toEqual([]);
    }
  });

  it('falls back to local notes, with a warning, when GitHub fails', async () => {
    const repo = await developRepo();
    nock('https://api.github.com').post('/graphql').reply(401, { message: 'Bad credentials' });
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message), secret: () => {} } as never;
    const notes = await releaseNotes({
      git: repo.git,
      config: config(),
      env: { GITHUB_TOKEN: token },
      logger,
    });
    expect(notes.pullRequests.map((pr) => pr.title)).toEqual(['Add the cart', 'Fix the price rounding']);
    expect(warnings[0]).toContain('the notes come from git alone');
  });
});

describe('the GitHub Release on finish', () => {
  it('creates the release of the pushed tag with the notes', async () => {
    const repo = await developRepo();
    await startFlow({ git: repo.git, config: config(), kind: 'release', version: '1.0.0', env: {} });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    const api = graphqlApi('https://api.github.com', '/graphql', (number) => pullRequest(number));
    const bodies: unknown[] = [];
    const scope = nock('https://api.github.com')
      .post('/repos/acme/shop/releases', (body) => {
        bodies.push(body);
        return true;
      })
      .reply(201, {
        id: 1,
        html_url: 'https://github.com/acme/shop/releases/tag/v1.0.0',
        tag_name: 'v1.0.0',
      });
    const access = createGitHubAccess({ env: { GITHUB_TOKEN: token } });
    const made = new Set<unknown>();
    const github: GitHubAccess = {
      token: access.token,
      client: async (host, what) => {
        const client = await access.client(host, what);
        made.add(client);
        return client;
      },
    };
    const result = await finishFlow({
      git: repo.git,
      config: config(),
      kind: 'release',
      push: true,
      githubRelease: true,
      github,
      env: {},
    });
    scope.done();
    expect(api.calls).toEqual([[1, 2]]);
    expect(unmatched).toEqual([]);
    // The notes and the release share one client.
    const clients = made.size;
    expect(clients).toBe(1);
    expect(bodies).toEqual([
      {
        tag_name: 'v1.0.0',
        name: 'Release v1.0.0',
        body: '- Title from GitHub 1 (#1) @dev1\n- Title from GitHub 2 (#2) @dev2',
        draft: false,
        prerelease: false,
      },
    ]);
    expect(result.githubRelease).toEqual({
      created: true,
      url: 'https://github.com/acme/shop/releases/tag/v1.0.0',
    });
    expect(result.operations).toContain('POST /repos/acme/shop/releases (tag_name v1.0.0)');
    expect(result.operations.indexOf('POST /repos/acme/shop/releases (tag_name v1.0.0)')).toBeGreaterThan(
      result.operations.findIndex((line) => line.startsWith('git push --atomic')),
    );
  });

  it('makes no API call in a dry run, token or not', async () => {
    const repo = await developRepo();
    await startFlow({ git: repo.git, config: config(), kind: 'release', version: '1.0.0', env: {} });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    const dry = await finishFlow({
      git: repo.git,
      config: config(),
      kind: 'release',
      push: true,
      githubRelease: true,
      dryRun: true,
      env: { GITHUB_TOKEN: token },
    });
    expect(dry.operations).toContain('POST /repos/acme/shop/releases (tag_name v1.0.0)');
    expect(dry.notes.pullRequests.map((pr) => pr.title)).toEqual(['Add the cart', 'Fix the price rounding']);
    expect(unmatched).toEqual([]);
  });

  it('treats a release that already exists (a rerun) as done', async () => {
    nock('https://api.github.com')
      .post('/repos/acme/shop/releases')
      .reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
      });
    const result = await createGitHubRelease({
      repository: { owner: 'acme', name: 'shop' },
      tag: 'v1.0.0',
      name: 'Release v1.0.0',
      body: '',
      github: () => createGitHubClient({ env: { GITHUB_TOKEN: token } }),
    });
    expect(result).toEqual({ created: false });
  });

  it('is a usage error, before anything changes, when no configured API serves the repository host', async () => {
    const repo = await developRepo();
    await startFlow({
      git: repo.git,
      config: validateConfig({}),
      kind: 'release',
      version: '1.0.0',
      env: {},
    });
    await commitFile(repo, 'VERSION', '1.0.0\n', 'Bump version to 1.0.0');
    await repo.git.run(['remote', 'set-url', 'origin', 'https://ghe.acme.io/acme/shop.git']);
    const refs = await repo.git.output(['for-each-ref', '--format=%(refname) %(objectname)']);
    await expect(
      finishFlow({
        git: repo.git,
        config: validateConfig({}),
        kind: 'release',
        push: true,
        githubRelease: true,
        env: { GITHUB_TOKEN: token },
      }),
    ).rejects.toMatchObject({
      code: 'GITHUB_HOST_MISMATCH',
      kind: 'usage',
      message: 'the repository acme/shop is on ghe.acme.io, which is not github.com',
      hint: expect.stringContaining('GITHUB_API_URL=https://ghe.acme.io/api/v3'),
    });
    expect(await repo.git.output(['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(refs);
    expect(unmatched).toEqual([]);
  });

  it('needs --push and a token, checked before anything changes', async () => {
    const repo = await developRepo();
    await expect(
      finishFlow({
        git: repo.git,
        config: config(),
        kind: 'release',
        githubRelease: true,
        env: { GITHUB_TOKEN: token },
      }),
    ).rejects.toMatchObject({ code: 'GITHUB_RELEASE_NEEDS_PUSH', kind: 'usage' });
    await expect(
      finishFlow({
        git: repo.git,
        config: config(),
        kind: 'release',
        githubRelease: true,
        push: true,
        env: {},
      }),
    ).rejects.toMatchObject({ code: 'GITHUB_TOKEN_MISSING', kind: 'usage' });
  });
});

describe('formatting', () => {
  const notes = {
    from: 'v1.0.0',
    to: 'release/1.1.0',
    version: '1.1.0',
    pullRequests: [
      {
        number: 3,
        title: 'Show stock <levels>',
        author: 'alice',
        labels: ['feature'],
        url: 'https://github.com/acme/shop/pull/3',
      },
      { number: 4, title: 'Fix tax', labels: ['bug', 'feature'] },
      { number: 5, title: 'Docs' },
    ],
  };
  const groups = [
    { title: 'Fixes', labels: ['bug'] },
    { title: 'Features', labels: ['feature', 'enhancement'] },
    { title: 'Security', labels: ['security'] },
  ];

  it('groups by the first matching label group, the rest under "Other changes", empty groups left out', () => {
    expect(
      groupPullRequests(notes.pullRequests, groups).map((section) => [
        section.title,
        section.pullRequests.map((pr) => pr.number),
      ]),
    ).toEqual([
      ['Fixes', [4]],
      ['Features', [3]],
      ['Other changes', [5]],
    ]);
  });

  it('renders Markdown and Slack mrkdwn', () => {
    expect(formatMarkdown(notes, { tagPrefix: 'v', groups })).toBe(
      '## Release v1.1.0\n\n### Fixes\n\n- Fix tax (#4)\n\n### Features\n\n- Show stock <levels> (#3) @alice\n\n### Other changes\n\n- Docs (#5)',
    );
    expect(formatSlack(notes, { tagPrefix: 'v' })).toBe(
      '*Release v1.1.0*\n• <https://github.com/acme/shop/pull/3|#3> Show stock &lt;levels&gt; (alice)\n• #4 Fix tax\n• #5 Docs',
    );
    expect(formatMarkdown({ ...notes, pullRequests: [] }, { tagPrefix: 'v' })).toBe(
      '## Release v1.1.0\n\nNo pull requests.',
    );
  });
});
