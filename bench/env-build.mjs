// The cost of a correct .env: reading with line positions (and checking against dotenv), writing with
// every value proven to read back in dotenv and phpdotenv, and a whole `env build`, against plain
// `dotenv.parse` of the same files (the floor: what any tool pays to read them).
// A 200-key project: 120 visible keys (20 overridden per stage), 80 secret keys, an example listing all.
// Medians of interleaved rounds, so machine noise hits every case alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median, printTable } from './lib.mjs';

const bundler = await import('../packages/env-bundler/dist/index.js');
const dotenv = createRequire(new URL('../packages/env-bundler/package.json', import.meta.url))('dotenv');

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const dir = mkdtempSync(path.join(tmpdir(), 'reletan-bench-env-'));
const samples = [
  'plain',
  'with spaces',
  'p#ss$word=1',
  "it's",
  'say "hi"',
  'C:\\dir\\',
  'two\nlines',
  'https://x.example/a?b=c',
];
const value = (index) => `${samples[index % samples.length]}-${index}`;
const quoted = (text) => `"${text.replaceAll('\n', '\\n')}"`;
const lines = (from, to, prefix) =>
  Array.from({ length: to - from }, (_, offset) => {
    const index = from + offset;
    const text = value(index);
    const spelled = /["\\]/.test(text) ? `'${text}'` : quoted(text);
    return `${prefix}_${index}=${spelled}`;
  }).join('\n');
const files = {
  'reletan.config.json': JSON.stringify({ stages: { prod: {} } }),
  '.env.visible': lines(0, 120, 'VISIBLE'),
  '.env.prod.visible': lines(0, 20, 'VISIBLE'),
  '.env.secret': lines(0, 60, 'SECRET'),
  '.env.prod.secret': lines(60, 80, 'SECRET'),
};
files['.env.example'] = [
  ...Array.from({ length: 120 }, (_, i) => `VISIBLE_${i}=`),
  ...Array.from({ length: 80 }, (_, i) => `SECRET_${i}=`),
].join('\n');
for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
const texts = ['.env.visible', '.env.prod.visible', '.env.secret', '.env.prod.secret', '.env.example'].map(
  (name) => files[name],
);
const built = await bundler.buildEnv({ stage: 'prod', cwd: dir });

const cases = [
  {
    name: 'dotenv.parse (5 files)',
    run: () => {
      for (const text of texts) dotenv.parse(text);
    },
  },
  {
    name: 'parseDotenv, with lines (5 files)',
    run: () => {
      for (const text of texts) bundler.parseDotenv(text, 'f');
    },
  },
  {
    name: 'renderEnv dotenv, verified (200 keys)',
    run: () => bundler.renderEnv(built.values, { stage: 'prod' }),
  },
  { name: 'buildEnv (read, merge, schema, lint)', run: () => bundler.buildEnv({ stage: 'prod', cwd: dir }) },
  {
    name: 'env build: buildEnv + render + write',
    run: async () => {
      const env = await bundler.buildEnv({ stage: 'prod', cwd: dir });
      await bundler.writeEnvFile(
        path.join(dir, '.env'),
        bundler.renderEnv(env.values, { stage: 'prod' }).content,
      );
    },
  },
];

const timings = cases.map(() => []);
for (let round = 0; round < rounds + 3; round++) {
  for (const [index, benchCase] of cases.entries()) {
    const start = process.hrtime.bigint();
    await benchCase.run();
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (round >= 3) timings[index].push(elapsed); // the first rounds warm the JIT
  }
}
rmSync(dir, { recursive: true, force: true });

const baseline = median(timings[0]);
console.log(`\nenv-build: median of ${rounds} interleaved rounds, node ${process.version}, 200 keys\n`);
printTable(
  ['case', 'median ms', 'x dotenv.parse'],
  cases.map((benchCase, index) => {
    const value = median(timings[index]);
    return [benchCase.name, value.toFixed(2), (value / baseline).toFixed(1)];
  }),
);
