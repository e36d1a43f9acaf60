// The prefixed, tagged, hashed, time-bounded client (`createCache`) against raw memjs doing the same
// work by hand (JSON.stringify / JSON.parse) on the same memcached server, in the same process.
// Each round runs both clients back to back (alternating which goes first), so machine noise hits both
// alike; the table shows the median ops/s of each and the median of the per-round ratios (a paired
// ratio, steadier than a ratio of medians on a shared machine). Target (issue 6): prefixed >= 0.95x raw.
// Starts its own memcached on a free port (needs the memcached binary).
//
// First, the cold import: what a worker pays at start-up to import the package (the built dist/index.js),
// against importing memjs alone, the least any memcached client costs. Each child process imports one
// of them and exits; `node -e 0` is the floor. Target: the package within 1.15x of memjs, both for the
// import alone (memjs is loaded on first use) and with memjs loaded as the package loads it; no config,
// zod or SDK code at all. (An ESM `import` of memjs, a CommonJS module, costs more than a `require`.)
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { median, printTable, timeChildren } from './lib.mjs';

const packageDir = new URL('../packages/cache-coordinator/', import.meta.url);
const requireFromPackage = createRequire(new URL('package.json', packageDir));
const { createCache } = await import(new URL('dist/index.js', packageDir));
const { startMemcached, MEMCACHED_INSTALL_HINT, findMemcached } = await import(
  new URL('dist/testing.js', packageDir)
);
const memjs = requireFromPackage('memjs');

if (!findMemcached()) {
  console.error(`bench/cache needs memcached: ${MEMCACHED_INSTALL_HINT}`);
  process.exit(1);
}

const importRounds = Number(process.env.BENCH_IMPORT_ROUNDS ?? 25);
const packageUrl = new URL('dist/index.js', packageDir).href;
const memjsUrl = pathToFileURL(requireFromPackage.resolve('memjs')).href;
const importing = (...urls) => [
  '--input-type=module',
  '-e',
  urls.map((url) => `await import(${JSON.stringify(url)});`).join(' '),
];
// memjs loaded as the package loads it on first use: required (CommonJS), not imported.
const thenRequiringMemjs = [
  '--input-type=module',
  '-e',
  `await import(${JSON.stringify(packageUrl)}); (await import('node:module')).createRequire(${JSON.stringify(packageUrl)})('memjs');`,
];
const importCases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'import memjs', args: importing(memjsUrl) },
  { name: 'import @reletan/cache-coordinator', args: importing(packageUrl) },
  // A worker that uses the client also loads memjs, on its first operation, the way the package does it
  // (require): the whole cost of caching with reletan, against the ESM import of memjs alone.
  { name: '  ... and memjs on first use', args: thenRequiringMemjs },
];
const importTimings = timeChildren(importCases, {
  rounds: importRounds,
  env: { PATH: process.env.PATH, HOME: process.env.HOME },
});
const [floor, memjsAlone] = importTimings.map(median);
const importRows = importCases.map((benchCase, index) => {
  const value = median(importTimings[index]);
  const ratio = value / memjsAlone;
  return [
    benchCase.name,
    value.toFixed(1),
    (value - floor).toFixed(1),
    index === 0 ? '' : ratio.toFixed(2),
    index >= 2 ? (ratio <= 1.15 ? 'ok' : 'OVER') : '',
  ];
});
console.log(
  `\ncache import: median wall time of ${importRounds} interleaved cold starts (minimal env), node ${process.version}\n`,
);
printTable(['child process', 'median ms', 'over node -e 0', 'x memjs', 'target 1.15x'], importRows);
if (importRows.some((row) => row[4] === 'OVER') && process.env.BENCH_STRICT) process.exitCode = 1;

const rounds = Number(process.env.BENCH_ROUNDS ?? 31);
const opsPerRun = Number(process.env.BENCH_OPS ?? 3_000);
const KEYS = 1_000;
const value = {
  id: 1,
  name: 'Hand-thrown tea bowl',
  price: { amount: 12_000, currency: 'JPY' },
  tags: ['ceramics', 'kyoto', 'gift'],
  stock: 14,
};

const server = await startMemcached({ memoryMb: 64 });
const silent = { log: () => {} };
const raw = memjs.Client.create(server.address, { logger: silent });
const prefixed = createCache({ servers: [server.address], prefix: 'shop.r-v1.4.0' });

const clients = {
  'raw memjs': {
    get: async (key) => {
      const { value: stored } = await raw.get(`shop:${key}`);
      return stored ? JSON.parse(stored.toString()) : undefined;
    },
    set: (key, item) => raw.set(`shop:${key}`, JSON.stringify(item), {}),
  },
  'createCache (prefixed)': {
    get: (key) => prefixed.get(key),
    set: (key, item) => prefixed.set(key, item),
  },
};

/** `opsPerRun` operations (90% get, 10% set) with `concurrency` in flight; returns ops/s. */
async function run(client, concurrency) {
  let next = 0;
  let checksum = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < opsPerRun) {
        const op = next++;
        const key = `product:${(op * 7919) % KEYS}`;
        if (op % 10 === 0) await client.set(key, value);
        else checksum += (await client.get(key))?.stock ?? 0;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (checksum === 0) throw new Error('every get missed: the benchmark measured nothing');
  return opsPerRun / seconds;
}

try {
  for (const client of Object.values(clients)) {
    for (let key = 0; key < KEYS; key++) await client.set(`product:${key}`, value);
  }
  const scenarios = [
    { name: '1 in flight (latency-bound)', concurrency: 1 },
    { name: '32 in flight (CPU-bound)', concurrency: 32 },
  ];
  const rows = [];
  for (const scenario of scenarios) {
    const names = Object.keys(clients);
    const samples = Object.fromEntries(names.map((name) => [name, []]));
    const ratios = [];
    for (let round = 0; round < rounds + 2; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      const result = {};
      for (const name of order) result[name] = await run(clients[name], scenario.concurrency);
      if (round < 2) continue; // two warm-up rounds (JIT, connections)
      for (const name of names) samples[name].push(result[name]);
      ratios.push(result['createCache (prefixed)'] / result['raw memjs']);
    }
    const ratio = median(ratios);
    for (const name of names) {
      const baseline = name === 'raw memjs';
      rows.push([
        scenario.name,
        name,
        Math.round(median(samples[name])).toLocaleString('en-US'),
        baseline ? '1.000' : ratio.toFixed(3),
        baseline ? '' : ratio >= 0.95 ? 'ok' : 'UNDER',
      ]);
    }
  }
  console.log(
    `\ncache: median ops/s of ${rounds} rounds of ${opsPerRun} ops (90% get, 10% set); x raw: median per-round ratio; ` +
      `node ${process.version}, memcached on 127.0.0.1\n`,
  );
  printTable(['scenario', 'client', 'ops/s', 'x raw', 'target 0.95x'], rows);
  if (rows.some((row) => row[4] === 'UNDER') && process.env.BENCH_STRICT) process.exitCode = 1;
} finally {
  raw.close();
  prefixed.close();
  await server.stop();
}
