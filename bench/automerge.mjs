// `reletan-ci automerge` end to end against a local GitHub stand-in (@reletan/auto-merge/testing): wall time
// of the whole run (start-up, config, Octokit's lazy load, the requests) against `node -e 0` and
// `reletan-ci --help`, and the number of GitHub requests each decision costs.
// Runs are interleaved (one of each per round) so machine noise hits every case alike; --dry-run keeps
// every round identical (a real merge would leave the PR merged for the next round).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, printTable } from './lib.mjs';

const run = promisify(execFile);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const ci = fileURLToPath(new URL('../apps/ci/dist/bin.cjs', import.meta.url));
const { startFakeGitHub } = await import(
  new URL('../packages/auto-merge/dist/testing.js', import.meta.url).href
);

const token = 'ghp_benchToken0123456789';
const github = await startFakeGitHub({
  token,
  pullRequests: {
    42: {},
    43: {
      pr: { mergeableState: 'blocked', headSha: 'b'.repeat(40) },
      requiredChecks: ['ci/test'],
      statuses: [{ context: 'ci/test', state: 'failure' }],
    },
    44: {
      reviews: Array.from({ length: 60 }, (_, index) => ({
        id: index + 1,
        login: `reviewer${index % 12}`,
        state: index % 3 === 0 ? 'APPROVED' : 'COMMENTED',
      })),
    },
  },
});
const env = {
  PATH: process.env.PATH,
  GITHUB_TOKEN: token,
  GITHUB_API_URL: github.url,
  CI: 'true',
  CIRCLECI: 'true',
  CIRCLE_PROJECT_USERNAME: 'acme',
  CIRCLE_PROJECT_REPONAME: 'shop',
};

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'reletan-ci --help', args: [ci, '--help'] },
  {
    name: 'automerge, clean PR (dry run)',
    args: [ci, 'automerge', '--pr', `${github.url}/acme/shop/pull/42`, '--dry-run'],
    pr: 42,
  },
  {
    name: 'automerge, 60 reviews (dry run)',
    args: [ci, 'automerge', '--pr', `${github.url}/acme/shop/pull/44`, '--dry-run'],
    pr: 44,
  },
  {
    name: 'automerge, blocked PR explained',
    args: [ci, 'automerge', '--pr', `${github.url}/acme/shop/pull/43`],
    pr: 43,
  },
];

const timings = cases.map(() => []);
const requests = cases.map(() => 0);
try {
  for (let round = 0; round < rounds + 2; round++) {
    for (const [index, benchCase] of cases.entries()) {
      const before = github.requests.length;
      const start = process.hrtime.bigint();
      const { stdout } = await run(process.execPath, benchCase.args, { env });
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (benchCase.pr && !stdout.includes(`/pull/${benchCase.pr}:`))
        throw new Error(`unexpected: ${stdout}`);
      requests[index] = github.requests.length - before;
      if (round >= 2) timings[index].push(elapsed); // the first two rounds warm the disk cache
    }
  }
} finally {
  await github.close();
}

const baseline = median(timings[0]);
console.log(`\nautomerge: median of ${rounds} interleaved runs, node ${process.version}\n`);
printTable(
  ['command', 'median ms', 'x node', 'GitHub requests'],
  cases.map((benchCase, index) => [
    benchCase.name,
    median(timings[index]).toFixed(1),
    (median(timings[index]) / baseline).toFixed(2),
    benchCase.pr ? requests[index] : '',
  ]),
);
