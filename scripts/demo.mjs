// `pnpm demo`: reletan on a throwaway project, end to end, with what exists today.
// Everything happens in a temporary directory: a real git repository with a bare "origin".
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const cachePackage = new URL('../packages/cache-coordinator/dist/', import.meta.url);

const bins = {
  reletan: fileURLToPath(new URL('../apps/cli/dist/bin.cjs', import.meta.url)),
  'reletan-ci': fileURLToPath(new URL('../apps/ci/dist/bin.cjs', import.meta.url)),
};
const memcachedServers = [];
const root = mkdtempSync(path.join(tmpdir(), 'reletan-demo-'));
const project = path.join(root, 'shop');
const origin = path.join(root, 'shop.git');
const baseEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Demo Dev',
  GIT_AUTHOR_EMAIL: 'dev@shop.example',
  GIT_COMMITTER_NAME: 'Demo Dev',
  GIT_COMMITTER_EMAIL: 'dev@shop.example',
  NO_COLOR: '1',
};

function git(...args) {
  const result = spawnSync('git', args, { cwd: project, env: baseEnv, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function section(title) {
  console.log(`\n== ${title}`);
}

/** Runs a bin as a user would and shows the command, its output and its exit code. */
function run(bin, args, { env = {}, expect = 0 } = {}) {
  console.log(`\n$ ${bin} ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [bins[bin], ...args], {
    cwd: project,
    env: { ...baseEnv, ...env },
    encoding: 'utf8',
  });
  const output = `${result.stdout}${result.stderr}`.trimEnd();
  if (output) console.log(output.replace(/^/gm, '  '));
  console.log(`  (exit ${result.status})`);
  if (result.status !== expect) throw new Error(`expected exit ${expect} from: ${bin} ${args.join(' ')}`);
  return result;
}

/** Starts `startFakeGitHub` of @reletan/auto-merge/testing in a worker thread; resolves to `{ url, close }`. */
async function startFakeGitHub(options) {
  const module = new URL('../packages/auto-merge/dist/testing.js', import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.module)
       .then(({ startFakeGitHub }) => startFakeGitHub(workerData.options))
       .then((github) => parentPort.postMessage(github.url));`,
    { eval: true, workerData: { module, options } },
  );
  const url = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { url, close: () => worker.terminate() };
}

/**
 * A stand-in for AWS SSM on 127.0.0.1, in a child process (the bins run synchronously): it answers
 * GetParametersByPath one parameter per page, so the real AWS SDK inside reletan follows NextToken.
 */
async function startFakeSsm(parameters) {
  const code = `
    const parameters = ${JSON.stringify(parameters)};
    require('node:http').createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const index = Number(JSON.parse(body).NextToken ?? 0);
        const page = { Parameters: parameters.slice(index, index + 1) };
        if (index + 1 < parameters.length) page.NextToken = String(index + 1);
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(page));
      });
    }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(String(chunk).trim()));
    child.once('exit', (exitCode) => reject(new Error(`the SSM stand-in exited ${exitCode}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** A stand-in for GitHub's API and a Slack webhook, in a child process (this script blocks while a bin runs). */
const FAKE_SERVICES = `
const { createServer } = require('node:http');
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    console.log(JSON.stringify({ method: request.method, url: request.url, body }));
    response.setHeader('content-type', 'application/json');
    if (request.url === '/api/graphql') {
      const repository = {};
      for (const [, n] of JSON.parse(body).query.matchAll(/pullRequest\\(number: (\\d+)\\)/g)) {
        const info = { 1: ['Add the cart', 'alice', 'feature'], 2: ['Fix the price rounding', 'bob', 'bug'], 3: ['Bump lodash', 'dependabot', 'dependencies'], 4: ['Show stock levels', 'carol', 'feature'] }[n];
        repository['pr' + n] = { number: Number(n), title: info[0], url: 'https://github.com/acme/shop/pull/' + n, author: { __typename: info[1] === 'dependabot' ? 'Bot' : 'User', login: info[1] }, labels: { nodes: [{ name: info[2] }] } };
      }
      response.end(JSON.stringify({ data: { repository } }));
    } else if (request.url.startsWith('/api/v3/repos/')) {
      response.statusCode = 201;
      response.end(JSON.stringify({ id: 1, html_url: 'https://github.com/acme/shop/releases/tag/v1.0.0' }));
    } else {
      response.end('ok');
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startFakeServices() {
  const child = spawn(process.execPath, ['-e', FAKE_SERVICES], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop();
    lines.push(...parts);
  });
  while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const port = lines.shift();
  return {
    url: `http://127.0.0.1:${port}`,
    async requests() {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return lines.splice(0).map((line) => JSON.parse(line));
    },
    stop: () => child.kill(),
  };
}

function commitFile(file, content, message) {
  writeFileSync(path.join(project, file), content);
  git('add', file);
  git('commit', '-q', '-m', message);
}

let services;
try {
  section('a project: a git repository with main and develop, pushed to a bare origin');
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', origin], { env: baseEnv });
  spawnSync('git', ['init', '-q', '-b', 'main', project], { env: baseEnv });
  git('commit', '-q', '--allow-empty', '-m', 'Initial commit');
  git('remote', 'add', 'origin', origin);
  git('push', '-q', '-u', 'origin', 'main');
  git('checkout', '-q', '-b', 'develop');
  git('push', '-q', '-u', 'origin', 'develop');
  console.log(`  ${project}`);

  section('reletan init writes a starter config and env files, and never overwrites them');
  run('reletan', ['init', '--dry-run']);
  run('reletan', ['init']);
  run('reletan', ['init'], { expect: 1 });

  section('the config is validated, and every problem names the file, line and path');
  run('reletan', ['config', 'check']);
  writeFileSync(
    path.join(project, 'reletan.config.json'),
    `{
  "stages": {
    "dev": {
      "deploy": {
        "region": "ap-northeast-1", "application": "shop",
        "environments": [
          { "name": "shop-dev-worker", "role": "worker" },
          { "name": "shop-dev-web", "role": "web", "after": "shop-dev-wroker" }
        ]
      }
    }
  }
}
`,
  );
  rmSync(path.join(project, 'reletan.config.ts'));
  run('reletan', ['config', 'check'], { expect: 2 });
  run('reletan', ['config', 'print', '--stage', 'dev', '--json'], { expect: 2 });

  section('reletan-ci reads what a CI build is building, from CircleCI or GitHub Actions variables');
  run('reletan-ci', ['context'], {
    env: {
      CI: 'true',
      CIRCLECI: 'true',
      CIRCLE_PROJECT_USERNAME: 'acme',
      CIRCLE_PROJECT_REPONAME: 'shop',
      CIRCLE_BRANCH: 'feature/cart',
      CIRCLE_SHA1: git('rev-parse', 'HEAD'),
      CIRCLE_PULL_REQUEST: 'https://github.com/acme/shop/pull/42',
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/shop/1',
    },
  });
  run('reletan-ci', ['context', '--json'], {
    env: {
      CI: 'true',
      CIRCLECI: 'true',
      CIRCLE_PROJECT_USERNAME: 'acme',
      CIRCLE_PROJECT_REPONAME: 'shop',
      CIRCLE_PULL_REQUESTS: 'https://github.com/acme/shop/pull/42,https://github.com/acme/shop/pull/43',
    },
  });

  section('automerge: merge an approved PR once GitHub says it is mergeable, pinned to the checked head sha');
  // A local stand-in for GitHub's REST API (@reletan/auto-merge/testing), in a worker thread so it keeps
  // answering while this script waits for each command.
  const github = await startFakeGitHub({
    token: 'ghp_demoToken0123456789abcdef',
    pullRequests: {
      42: {},
      43: {
        pr: { mergeableState: 'blocked', headRef: 'feature/search' },
        requiredChecks: ['ci/test', 'lint'],
        statuses: [{ context: 'ci/test', state: 'failure' }],
        checkRuns: [{ name: 'lint', status: 'in_progress', conclusion: null }],
        rules: [{ type: 'pull_request', parameters: { require_code_owner_review: true } }],
      },
      44: { pushAfterFirstRead: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed' },
      45: {
        pr: { headRef: 'feature/checkout' },
        reviews: [
          { id: 1, login: 'bob', state: 'CHANGES_REQUESTED' },
          { id: 2, login: 'alice', state: 'APPROVED' },
          { id: 3, login: 'bob', state: 'COMMENTED' },
          { id: 4, login: 'bob', state: 'APPROVED' },
        ],
      },
      46: { pr: { fork: 'stranger/shop', headRef: 'patch-1' } },
      47: { pr: { headRef: 'feature/wishlist' } },
    },
  });
  writeFileSync(
    path.join(project, 'reletan.config.json'),
    `${JSON.stringify({ github: { repository: 'acme/shop' }, automerge: { method: 'squash', deleteBranch: true } }, null, 2)}\n`,
  );
  console.log('  reletan.config.json: { "automerge": { "method": "squash", "deleteBranch": true } }');
  const githubEnv = { GITHUB_API_URL: github.url, GITHUB_TOKEN: 'ghp_demoToken0123456789abcdef' };
  // The stand-in's pull requests live on its own host: a token only goes to the API of the PR's host.
  const pr = (number) => `${github.url}/acme/shop/pull/${number}`;
  try {
    run('reletan', ['automerge', pr(42), '--dry-run'], { env: githubEnv });
    run('reletan', ['automerge', pr(42)], { env: githubEnv });
    run('reletan', ['automerge', pr(42)], { env: githubEnv });
    console.log('\n  a PR that is blocked is explained as precisely as the API allows:');
    run('reletan', ['automerge', pr(43)], { env: githubEnv });
    console.log('\n  a commit pushed between the check and the merge is never merged (GitHub answers 409):');
    run('reletan', ['automerge', pr(44)], { env: githubEnv });
    console.log(
      "\n  from a CircleCI job: each reviewer's latest decision counts (bob's change request, then approval):",
    );
    run('reletan-ci', ['automerge', '--json'], {
      env: {
        ...githubEnv,
        CI: 'true',
        CIRCLECI: 'true',
        CIRCLE_PROJECT_USERNAME: 'acme',
        CIRCLE_PROJECT_REPONAME: 'shop',
        CIRCLE_PULL_REQUEST: pr(45),
      },
    });
    run('reletan-ci', ['automerge', '--pr', pr(46)], {
      env: {
        ...githubEnv,
        CI: 'true',
        CIRCLECI: 'true',
        CIRCLE_PROJECT_USERNAME: 'acme',
        CIRCLE_PROJECT_REPONAME: 'shop',
      },
    });
    console.log(
      '\n  from a GitHub Actions workflow_run job: CI passed on an older commit of the PR, so nothing is merged:',
    );
    const event = path.join(root, 'workflow-run-event.json');
    writeFileSync(
      event,
      JSON.stringify({
        action: 'completed',
        workflow_run: {
          name: 'CI',
          conclusion: 'success',
          head_sha: '0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0',
          pull_requests: [{ number: 47, head: { ref: 'feature/wishlist' }, base: { ref: 'develop' } }],
        },
      }),
    );
    run('reletan-ci', ['automerge'], {
      env: {
        ...githubEnv,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_SERVER_URL: github.url,
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_EVENT_NAME: 'workflow_run',
        GITHUB_EVENT_PATH: event,
        GITHUB_REF: 'refs/heads/main',
      },
    });
    console.log('\n  bad input is exit 2, with the reason:');
    run('reletan', ['automerge', 'https://github.com/acme/shop/issues/7'], { env: githubEnv, expect: 2 });
    run('reletan', ['automerge', 'https://github.com/acme/shop/pull/42'], { expect: 2 });
    console.log(
      "\n  the token goes only to the API that serves the PR's host (GITHUB_API_URL is the stand-in):",
    );
    run('reletan', ['automerge', 'https://evil.example/acme/shop/pull/1'], { env: githubEnv, expect: 2 });
  } finally {
    await github.close();
  }

  section('reletan env: committed and secret layers merged into one .env (a local stand-in plays AWS SSM)');
  const ssm = await startFakeSsm([
    { Name: '/shop/prod/API_TOKEN', Type: 'SecureString', Value: 'demo-api-t0ken' },
    { Name: '/shop/prod/mail/MAILGUN_SECRET', Type: 'SecureString', Value: 'demo-mailgun#secret' },
  ]);
  try {
    const env = {
      PROD_DB_PASSWORD: `demo-pa55 "word" $1`,
      AWS_ENDPOINT_URL_SSM: ssm.url,
      AWS_ACCESS_KEY_ID: 'AKIADEMO',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_REGION: 'ap-northeast-1',
    };
    writeFileSync(
      path.join(project, 'reletan.config.json'),
      `${JSON.stringify(
        {
          stages: {
            dev: { branch: 'develop' },
            prod: {
              tag: 'v*',
              env: { secretEnv: { DB_PASSWORD: 'PROD_DB_PASSWORD' }, ssmPath: '/shop/prod' },
            },
          },
        },
        null,
        2,
      )}\n`,
    );
    const files = {
      // ASSET_URL may be empty (Laravel then serves assets from APP_URL) but every stage must set it.
      '.env.example':
        'APP_NAME=\nAPP_URL=\nAPP_DEBUG=\nASSET_URL= # optional\nDB_PASSWORD=\nAPI_TOKEN=\nMAILGUN_SECRET=\n',
      '.env.visible': 'APP_NAME="Shop #1"\nAPP_URL=http://localhost\nAPP_DEBUG=true\nASSET_URL=\n',
      '.env.prod.visible': 'APP_URL=https://shop.example\nAPP_DEBUG=false\n',
      '.env.dev.visible': 'APP_URL=http://dev.shop.example\n',
      '.env.dev.secret': 'DB_PASSWORD=dev-db-pass\nAPI_TOKEN=dev-api-token\nMAILGUN_SECRET=dev-mailgun-key\n',
    };
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(project, name), content);
    console.log(`  wrote ${Object.keys(files).join(', ')}; prod's DB_PASSWORD comes from $PROD_DB_PASSWORD`);
    run('reletan', ['env', 'check', 'prod'], { env });
    run('reletan', ['env', 'build', 'prod', '--dry-run'], { env });
    run('reletan', ['env', 'build', 'prod'], { env });
    const written = path.join(project, '.env');
    console.log(
      `\n  .env, mode ${(statSync(written).mode & 0o777).toString(8)} (demo values; reletan itself never prints them):`,
    );
    console.log(readFileSync(written, 'utf8').trimEnd().replace(/^/gm, '    '));
    run('reletan', ['env', 'explain', 'prod', 'APP_URL'], { env });
    run('reletan', ['env', 'diff', 'dev', 'prod'], { env });

    section('a secret in a committed file is refused, naming both files; the old .env stays as it was');
    writeFileSync(
      path.join(project, '.env.prod.visible'),
      'APP_URL=https://shop.example\nAPP_DEBUG=false\nAPI_TOKEN=oops\n',
    );
    run('reletan', ['env', 'build', 'prod'], { env, expect: 1 });
    console.log(
      `  .env unchanged: ${readFileSync(written, 'utf8').includes('APP_DEBUG=false') ? 'yes' : 'NO'}`,
    );
  } finally {
    ssm.stop();
  }

  section('git-flow releases: the pull requests in develop, from local history, with zero API calls');
  writeFileSync(
    path.join(project, 'reletan.config.json'),
    `${JSON.stringify(
      {
        github: { repository: 'acme/shop' },
        notify: { slackWebhookEnv: 'SLACK_WEBHOOK_URL' },
        release: {
          notes: {
            groups: [
              { title: 'Features', labels: ['feature'] },
              { title: 'Fixes', labels: ['bug'] },
            ],
          },
        },
      },
      null,
      2,
    )}\n`,
  );
  git('checkout', '-q', '-b', 'feature/cart');
  commitFile('cart.txt', 'cart\n', 'Cart page');
  git('checkout', '-q', 'develop');
  git(
    'merge',
    '-q',
    '--no-ff',
    '-m',
    'Merge pull request #1 from acme/feature/cart\n\nAdd the cart',
    'feature/cart',
  );
  commitFile('price.txt', 'rounded\n', 'Fix the price rounding (#2)');
  writeFileSync(path.join(project, 'deps.txt'), 'lodash 4.17.21\n');
  git('add', 'deps.txt');
  spawnSync(
    'git',
    [
      'commit',
      '-q',
      '-m',
      'Bump lodash (#3)',
      '--author',
      'dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>',
    ],
    { cwd: project, env: baseEnv },
  );
  git('push', '-q', 'origin', 'develop');
  run('reletan', ['release', 'notes']);
  run('reletan', ['release', 'notes', '--format', 'json']);

  section('release start: checks the repository, branches from develop, pushes, lists what ships');
  run('reletan', ['release', 'start', '1.0.0', '--push']);
  run('reletan', ['release', 'start', '1.1.0'], { expect: 1 });
  commitFile('VERSION', '1.0.0\n', 'Bump version to 1.0.0');

  section(
    'release finish: exactly the git operations git-flow AVH runs, one atomic push, the GitHub release, Slack',
  );
  services = await startFakeServices();
  const online = {
    GITHUB_TOKEN: 'ghp_demoTokenNeverPrinted',
    GITHUB_API_URL: `${services.url}/api/v3`,
    SLACK_WEBHOOK_URL: `${services.url}/services/T000/B000/demoWebhookSecret`,
  };
  run('reletan', ['release', 'finish', '--push', '--github-release', '--dry-run'], { env: online });
  run('reletan', ['release', 'finish', '--push', '--github-release'], { env: online });
  console.log('\n  what GitHub and Slack received (a local stand-in for both):');
  for (const request of await services.requests()) {
    const body = request.url === '/api/graphql' ? '(one GraphQL query for every pull request)' : request.body;
    console.log(`  ${request.method} ${request.url.replace(/demoWebhookSecret/, '***')}  ${body}`);
  }
  console.log(
    `\n$ git log --graph --oneline --decorate\n${git('log', '--graph', '--oneline', '--decorate', '--all').replace(/^/gm, '  ')}`,
  );

  section('hotfix: from main; an empty hotfix is refused; a rejected push is completed by a rerun');
  run('reletan', ['hotfix', 'start']);
  run('reletan', ['hotfix', 'finish'], { expect: 1 });
  commitFile('price.txt', 'rounded half-up\n', 'Round half-up at checkout');
  const hook = path.join(origin, 'hooks', 'update');
  writeFileSync(
    hook,
    '#!/bin/sh\nif [ "$1" = refs/tags/v1.0.1 ]; then echo "tags are frozen during the sale" >&2; exit 1; fi\n',
  );
  chmodSync(hook, 0o755);
  run('reletan', ['hotfix', 'finish', '--push'], { expect: 1 });
  console.log(
    `\n$ git ls-remote origin   # unchanged: the push was atomic\n${spawnSync('git', ['ls-remote', origin], { env: baseEnv, encoding: 'utf8' }).stdout.replace(/^/gm, '  ').trimEnd()}`,
  );
  rmSync(hook);
  run('reletan', ['hotfix', 'finish', '--push']);

  await cacheDemo();

  console.log(`\ndemo finished: every step above ran for real, in ${root} (now removed)`);
} finally {
  services?.stop();
  await Promise.all(memcachedServers.map((server) => server.stop()));
  rmSync(root, { recursive: true, force: true });
}

async function cacheDemo() {
  const { createCache, createRolloutCoordinator } = await import(new URL('index.js', cachePackage));
  const { findMemcached, startMemcached } = await import(new URL('testing.js', cachePackage));
  const haveMemcached = findMemcached() !== undefined;
  if (haveMemcached) memcachedServers.push(await startMemcached(), await startMemcached());
  const servers = haveMemcached ? memcachedServers.map((server) => server.address) : ['127.0.0.1:11211'];
  const writeCacheConfig = (prodServers) =>
    writeFileSync(
      path.join(project, 'reletan.config.json'),
      `${JSON.stringify(
        {
          stages: {
            prod: { tag: 'v*', cache: { servers: prodServers, strategy: 'release' } },
            staging: { branch: 'develop', cache: { servers, strategy: 'schema', schemaVersion: 3 } },
          },
        },
        null,
        2,
      )}\n`,
    );
  writeCacheConfig(servers);

  section('cache prefix: old and new code never share cache keys (no memcached server needed)');
  git('tag', 'v1.4.0');
  run('reletan', ['cache', 'prefix', 'prod']);
  run('reletan', ['cache', 'prefix', 'prod', '--release', 'v1.5.0', '--json']);
  run('reletan', ['cache', 'prefix', 'staging']);

  if (!haveMemcached) {
    console.log(
      '\n  (memcached is not installed here: "cache stats" and "cache flush" need a server.' +
        ' Install memcached, e.g. apt-get install memcached, to see them in this demo.)',
    );
    return;
  }

  section(
    'a Node service uses the library client with the prefix from its .env, then cache stats reads every server',
  );
  const cache = createCache({ servers, prefix: 'shop.r-v1.4.0' });
  for (let id = 0; id < 40; id++) await cache.getOrSet(`product:${id % 30}`, () => ({ id, price: 1200 }));
  cache.close();
  console.log('  (40 getOrSet calls on 30 products: 30 misses that computed and stored, then 10 hits)');
  run('reletan', ['cache', 'stats', 'prod']);
  const down = await startMemcached();
  await down.stop();
  writeCacheConfig([...servers, down.address]);
  run('reletan', ['cache', 'stats', 'prod', '--timeout', '1000'], { expect: 1 });
  writeCacheConfig(servers);

  section('cache flush: refused while any rollout is in progress on the servers (a flush empties them all)');
  // What the deployer does around a rolling deploy (the eb-deployer will call this interface).
  const rollout = createRolloutCoordinator({ servers, app: 'shop', stage: 'prod', strategy: 'release' });
  await rollout.begin({ release: 'v1.5.0' });
  console.log('\n  (the deployer began a rollout of v1.5.0 to prod; staging uses the same servers)');
  run('reletan', ['cache', 'flush', 'prod'], { expect: 1 });
  run('reletan', ['cache', 'flush', 'staging'], { expect: 1 });
  await rollout.complete({
    release: 'v1.5.0',
    instances: [
      { id: 'i-0a1', version: 'v1.5.0' },
      { id: 'i-0b2', version: 'v1.5.0' },
    ],
  });
  console.log('\n  (every instance reports v1.5.0: the deployer completed the rollout)');
  run('reletan', ['cache', 'flush', 'prod', '--dry-run']);
  run('reletan', ['cache', 'flush', 'prod']);
}
