// `reletan release notes` on a generated repository: 5,000 commits, 1,000 pull requests (500 GitHub merge
// commits, 500 squash commits). Measures the wall time of the built bin (median of interleaved runs) and
// counts the API calls a local stand-in for GitHub receives: none without a token, ceil(N / 100) with one.
// Baseline: the one `git log` the command needs, timed in the same process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable } from './lib.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const tokenRounds = Number(process.env.BENCH_TOKEN_ROUNDS ?? 3);
const bin = fileURLToPath(new URL('../apps/cli/dist/bin.cjs', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'reletan-bench-notes-'));
const repo = path.join(root, 'shop');
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  NO_COLOR: '1',
};

function git(args, input) {
  const result = spawnSync('git', args, { cwd: repo, env, input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The history, as one git fast-import stream: every 5 commits hold one merged or one squashed PR. */
function history() {
  const out = [];
  let mark = 0;
  let time = 1_700_000_000;
  let mainline;
  const commit = (ref, message, from, merge, author = 'Dev <dev@example.com>') => {
    mark += 1;
    time += 30;
    const data = `${message}\n`;
    out.push(
      `commit ${ref}\nmark :${mark}\nauthor ${author} ${time} +0000\ncommitter Bench <bench@example.com> ${time} +0000\n`,
      `data ${Buffer.byteLength(data)}\n${data}`,
      from ? `from :${from}\n` : '',
      merge ? `merge :${merge}\n` : '',
      `M 644 inline file-${mark % 200}.txt\ndata ${String(mark).length + 1}\n${mark}\n\n`,
    );
    return mark;
  };
  mainline = commit('refs/heads/develop', 'Initial commit');
  out.push(`reset refs/tags/v1.0.0\nfrom :${mainline}\n\n`);
  let commits = 1;
  for (let pr = 1; commits < 5000; pr++) {
    if (pr <= 1000 && pr % 2 === 1) {
      // A feature branch of 3 commits, merged by GitHub.
      let tip = commit('refs/heads/feature', `Work on feature ${pr}`, mainline);
      tip = commit('refs/heads/feature', `More work on feature ${pr}`, tip);
      tip = commit('refs/heads/feature', `Review fixes for ${pr}`, tip);
      mainline = commit(
        'refs/heads/develop',
        `Merge pull request #${pr} from acme/feature/f-${pr}\n\nFeature number ${pr}`,
        mainline,
        tip,
      );
      commits += 4;
    } else if (pr <= 1000) {
      mainline = commit(
        'refs/heads/develop',
        `Squashed change ${pr} (#${pr})`,
        mainline,
        undefined,
        `Dev${pr % 7} <${pr}+dev${pr % 7}@users.noreply.github.com>`,
      );
      commits += 1;
    } else {
      mainline = commit('refs/heads/develop', `Direct commit ${commits}`, mainline);
      commits += 1;
    }
  }
  out.push('reset refs/heads/feature\nfrom 0000000000000000000000000000000000000000\n\n');
  return { stream: out.join(''), commits };
}

/** A stand-in for GitHub's GraphQL API that counts the calls it gets. */
async function fakeGitHub() {
  let calls = 0;
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    calls += 1;
    const { query } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    const repository = {};
    for (const [, number] of (query ?? '').matchAll(/pullRequest\(number: (\d+)\)/g)) {
      repository[`pr${number}`] = {
        number: Number(number),
        title: `PR ${number}`,
        url: `https://github.com/acme/shop/pull/${number}`,
        author: { __typename: 'User', login: `dev${number % 7}` },
        labels: { nodes: [{ name: number % 2 ? 'feature' : 'bug' }] },
      };
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ data: { repository } }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/api/v3`,
    calls: () => calls,
    reset: () => {
      calls = 0;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function time(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

try {
  spawnSync('git', ['init', '-q', '-b', 'main', repo], { env });
  const generated = await time(() => {
    const { stream, commits } = history();
    git(['fast-import', '--quiet'], stream);
    git(['checkout', '-q', 'develop']);
    return commits;
  });
  git(['remote', 'add', 'origin', 'git@github.com:acme/shop.git']);
  // GitHub is only asked through an API that serves the repository's host: with the stand-in's
  // GITHUB_API_URL, the repository is named in the config, which puts it on that host.
  writeFileSync(
    path.join(repo, 'reletan.config.json'),
    JSON.stringify({ github: { repository: 'acme/shop' } }),
  );
  const counted = Number(git(['rev-list', '--count', 'develop']).trim());
  console.log(`\ngenerated ${counted} commits on develop in ${generated.ms.toFixed(0)} ms (git fast-import)`);

  const github = await fakeGitHub();
  // Asynchronous: the stand-in GitHub answers from this process, so it must not be blocked while the bin runs.
  const run = (extraEnv) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, 'release', 'notes', '--json'], {
        cwd: repo,
        env: { ...env, ...extraEnv },
      });
      const stdout = [];
      const stderr = [];
      child.stdout.on('data', (chunk) => stdout.push(chunk));
      child.stderr.on('data', (chunk) => stderr.push(chunk));
      child.on('error', reject);
      child.on('close', (status) =>
        resolve({
          status,
          stdout: Buffer.concat(stdout).toString(),
          stderr: Buffer.concat(stderr).toString(),
        }),
      );
    });
  const cases = [
    {
      name: 'git log v1.0.0..develop (baseline)',
      run: () => ({
        status: 0,
        stdout: git(['log', '--format=%H%x1f%an%x1f%ae%x1f%s%x1f%b%x1e', 'v1.0.0..develop']),
      }),
      rounds,
    },
    { name: 'reletan release notes (no token)', run: () => run({}), rounds },
    {
      name: 'reletan release notes (token)',
      run: () => run({ GITHUB_TOKEN: 'bench-token', GITHUB_API_URL: github.url }),
      rounds: tokenRounds,
    },
  ];
  const timings = cases.map(() => []);
  const apiCalls = cases.map(() => new Set());
  const prs = cases.map(() => new Set());
  for (let round = 0; round < Math.max(...cases.map((c) => c.rounds)) + 1; round++) {
    for (const [index, benchCase] of cases.entries()) {
      if (round > benchCase.rounds) continue;
      github.reset();
      const { ms, result } = await time(benchCase.run);
      if (result.status !== 0) throw new Error(`${benchCase.name} exited ${result.status}: ${result.stderr}`);
      if (round === 0) continue; // warm-up
      timings[index].push(ms);
      apiCalls[index].add(index === 0 ? '-' : github.calls());
      if (benchCase.name.includes('(token)') && github.calls() === 0)
        throw new Error(`${benchCase.name} made no API call: ${result.stderr}`);
      if (index > 0) prs[index].add(JSON.parse(result.stdout).pullRequests.length);
    }
  }
  await github.close();

  const baseline = median(timings[0]);
  console.log(
    `\nrelease notes: ${counted} commits, 1,000 pull requests; median of interleaved runs, node ${process.version}\n`,
  );
  printTable(
    ['case', 'runs', 'median ms', 'x git log', 'API calls', 'PRs listed'],
    cases.map((benchCase, index) => [
      benchCase.name,
      timings[index].length,
      median(timings[index]).toFixed(1),
      (median(timings[index]) / baseline).toFixed(2),
      [...apiCalls[index]].join('/'),
      index === 0 ? '-' : [...prs[index]].join('/'),
    ]),
  );
  const noToken = [...apiCalls[1]];
  const withToken = [...apiCalls[2]];
  if (noToken.length !== 1 || noToken[0] !== 0)
    throw new Error(`expected 0 API calls without a token, got ${noToken}`);
  if (withToken.some((calls) => calls > Math.ceil(1000 / 100) + 1))
    throw new Error(`too many API calls: ${withToken}`);
  if ([...prs[1]][0] !== 1000) throw new Error(`expected 1000 pull requests, got ${[...prs[1]]}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
