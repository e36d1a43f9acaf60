// `pnpm demo`: reletan on a throwaway project, end to end, with what exists today.
// Everything happens in a temporary directory: a real git repository with a bare "origin".
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const bins = {
  reletan: fileURLToPath(new URL('../apps/cli/dist/bin.cjs', import.meta.url)),
  'reletan-ci': fileURLToPath(new URL('../apps/ci/dist/bin.cjs', import.meta.url)),
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
    },
  });
  writeFileSync(
    path.join(project, 'reletan.config.json'),
    `${JSON.stringify({ github: { repository: 'acme/shop' }, automerge: { method: 'squash', deleteBranch: true } }, null, 2)}\n`,
  );
  console.log('  reletan.config.json: { "automerge": { "method": "squash", "deleteBranch": true } }');
  const githubEnv = { GITHUB_API_URL: github.url, GITHUB_TOKEN: 'ghp_demoToken0123456789abcdef' };
  try {
    run('reletan', ['automerge', 'https://github.com/acme/shop/pull/42', '--dry-run'], { env: githubEnv });
    run('reletan', ['automerge', 'https://github.com/acme/shop/pull/42'], { env: githubEnv });
    run('reletan', ['automerge', 'https://github.com/acme/shop/pull/42'], { env: githubEnv });
    console.log('\n  a PR that is blocked is explained as precisely as the API allows:');
    run('reletan', ['automerge', 'https://github.com/acme/shop/pull/43'], { env: githubEnv });
    console.log('\n  a commit pushed between the check and the merge is never merged (GitHub answers 409):');
    run('reletan', ['automerge', 'https://github.com/acme/shop/pull/44'], { env: githubEnv });
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
        CIRCLE_PULL_REQUEST: 'https://github.com/acme/shop/pull/45',
      },
    });
    run('reletan-ci', ['automerge', '--pr', '46'], {
      env: {
        ...githubEnv,
        CI: 'true',
        CIRCLECI: 'true',
        CIRCLE_PROJECT_USERNAME: 'acme',
        CIRCLE_PROJECT_REPONAME: 'shop',
      },
    });
    console.log('\n  bad input is exit 2, with the reason:');
    run('reletan', ['automerge', 'https://github.com/acme/shop/issues/7'], { env: githubEnv, expect: 2 });
    run('reletan', ['automerge', 'https://github.com/acme/shop/pull/42'], { expect: 2 });
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
      '.env.example':
        'APP_NAME=\nAPP_URL=\nAPP_DEBUG=\nDB_PASSWORD=\nAPI_TOKEN=\nMAILGUN_SECRET=\nCACHE_PREFIX= # optional\n',
      '.env.visible': 'APP_NAME="Shop #1"\nAPP_URL=http://localhost\nAPP_DEBUG=true\n',
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

  console.log(`\ndemo finished: every step above ran for real, in ${root} (now removed)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
