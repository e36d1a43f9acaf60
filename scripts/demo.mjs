// `pnpm demo`: reletan on a throwaway project, end to end, with what exists today.
// Everything happens in a temporary directory: a real git repository with a bare "origin".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cachePackage = new URL('../packages/cache-coordinator/dist/', import.meta.url);

const bins = {
  reletan: fileURLToPath(new URL('../apps/cli/dist/bin.js', import.meta.url)),
  'reletan-ci': fileURLToPath(new URL('../apps/ci/dist/bin.js', import.meta.url)),
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

  await cacheDemo();

  console.log(`\ndemo finished: every step above ran for real, in ${root} (now removed)`);
} finally {
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

  section('cache flush: refused while a rollout of the stage is in progress');
  // What the deployer does around a rolling deploy (the eb-deployer will call this interface).
  const rollout = createRolloutCoordinator({ servers, app: 'shop', stage: 'prod', strategy: 'release' });
  await rollout.begin({ release: 'v1.5.0' });
  console.log('\n  (the deployer began a rollout of v1.5.0 to prod)');
  run('reletan', ['cache', 'flush', 'prod'], { expect: 1 });
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
