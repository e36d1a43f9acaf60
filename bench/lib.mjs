// Shared by the benchmarks: medians, a table that lines up in a terminal and in CI logs, and timed child processes.
import { spawnSync } from 'node:child_process';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function printTable(headers, rows) {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) =>
    cells
      .map((cell, column) => String(cell).padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  console.log(line(headers));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
}

/**
 * Wall times (ms) of child processes, one list per case: every round runs each case once, in turn, so
 * machine noise hits every case alike; the first `warmup` rounds (disk cache, JIT of node itself) are
 * dropped. Each child gets `env`: a minimal one, since variables such as NODE_EXTRA_CA_CERTS slow every
 * node start and would make the ratios look better than they are.
 */
export function timeChildren(cases, { rounds, warmup = 2, env }) {
  const timings = cases.map(() => []);
  for (let round = 0; round < rounds + warmup; round++) {
    cases.forEach((benchCase, index) => {
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, benchCase.args, { stdio: 'ignore', env });
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) throw new Error(`${benchCase.name} exited ${result.status}`);
      if (round >= warmup) timings[index].push(elapsed);
    });
  }
  return timings;
}
