// Cold start of the bins against bare node: `node -e 0` is the floor any Node CLI pays.
// Runs are interleaved (one of each per round) so machine noise hits every case alike, and every child
// gets the same minimal environment: variables such as NODE_EXTRA_CA_CERTS slow every node start and
// would make the ratios look better than they are.
// Targets: `reletan --version` and `--help` within 1.25x of `node -e 0` (the spine issue; PRODUCT.md says
// 1.5x); a command group's help (`reletan release --help`) builds only that group's definition.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, printTable } from './lib.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 25);
const TARGET = 1.25;
const cli = fileURLToPath(new URL('../apps/cli/dist/bin.cjs', import.meta.url));
const ci = fileURLToPath(new URL('../apps/ci/dist/bin.cjs', import.meta.url));

const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'reletan --version', args: [cli, '--version'] },
  { name: 'reletan --help', args: [cli, '--help'] },
  // No target: commander is loaded and one group built; shown so a group's cost stays visible.
  { name: 'reletan release --help', args: [cli, 'release', '--help'], untargeted: true },
  { name: 'reletan-ci --help', args: [ci, '--help'] },
];

const timings = cases.map(() => []);
for (let round = 0; round < rounds + 2; round++) {
  cases.forEach((benchCase, index) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, benchCase.args, { stdio: 'ignore', env: childEnv });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${benchCase.name} exited ${result.status}`);
    if (round >= 2) timings[index].push(elapsed); // the first two rounds warm the disk cache
  });
}

const baseline = median(timings[0]);
const rows = cases.map((benchCase, index) => {
  const value = median(timings[index]);
  return [
    benchCase.name,
    value.toFixed(1),
    (value / baseline).toFixed(2),
    index === 0 || benchCase.untargeted ? '' : value / baseline <= TARGET ? 'ok' : 'OVER',
  ];
});
console.log(`\nstartup: median of ${rounds} interleaved runs, node ${process.version}\n`);
printTable(['command', 'median ms', 'x node', `target ${TARGET}x`], rows);
if (rows.some((row) => row[3] === 'OVER') && process.env.BENCH_STRICT) process.exitCode = 1;
