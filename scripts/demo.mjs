// `pnpm demo`: reletan on a throwaway project, end to end, with what exists today.
// Everything happens in a temporary directory: a real git repository with a bare "origin".
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bins = {
  reletan: fileURLToPath(new URL('../apps/cli/dist/bin.js', import.meta.url)),
  'reletan-ci': fileURLToPath(new URL('../apps/ci/dist/bin.js', import.meta.url)),
};
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

  console.log(`\ndemo finished: every step above ran for real, in ${root} (now removed)`);
} finally {
  services?.stop();
  rmSync(root, { recursive: true, force: true });
}
