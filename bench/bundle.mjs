// The Elastic Beanstalk source bundle of a large project: ~20,000 files, ~150 MB (source-like text of
// varied sizes in nested directories, some already-compressed binaries, one large dump and one large blob),
// generated from a fixed seed so every run bundles the same tree, committed to a temporary repository
// (packed, as a clone is). Compares, in interleaved rounds (medians), each in its own process:
//   git archive --format=zip HEAD      the baseline: what the product brief says to beat
//   buildSourceBundle (no cache)       the library, from the built package
//   buildSourceBundle, .ebignore       the same tree as a working tree with an .ebignore (a copy)
//   zip -qr                            the working tree with Info-ZIP, when it is installed
// and the peak memory of each (/usr/bin/time's maximum resident set, which covers the git it runs).
// Then one round per compression level, for the choice of the default level (time and size).
// Targets (the Elastic Beanstalk issue): wall time <= 0.5x git archive, peak memory < 256 MB.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, printTable } from './lib.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const levelRounds = Number(process.env.BENCH_LEVEL_ROUNDS ?? 1);
const TIME_TARGET = 0.5;
const MEMORY_TARGET_MB = 256;
const dist = fileURLToPath(new URL('../packages/eb-deployer/dist/bundle.js', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'reletan-bench-bundle-'));
const repo = path.join(root, 'shop');
const copy = path.join(root, 'shop-ebignore');
const outputs = path.join(root, 'out');
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
const hasTime = existsSync('/usr/bin/time');
const hasZip = spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;

/** A seeded tree: the same files, sizes and bytes on every run and every machine. */
function generateTree(dir, { files = 20_000, seed = 42 } = {}) {
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(random() * list.length)];
  const syllables = [
    'con',
    'fig',
    'user',
    're',
    'quest',
    'han',
    'dle',
    'cache',
    'order',
    'item',
    'get',
    'set',
  ];
  syllables.push(
    'id',
    'na',
    'me',
    'val',
    'ue',
    'data',
    'list',
    'map',
    'to',
    'from',
    'pro',
    'duct',
    'cart',
    'pay',
  );
  const word = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(syllables)).join('');
  const vocabulary = Array.from({ length: 3000 }, word);
  const keywords = [
    'public function',
    'return',
    'if (',
    '$this->',
    'foreach (',
    'use',
    'namespace',
    'private',
  ];
  keywords.push(
    'const',
    'new',
    'throw new',
    '} else {',
    '//',
    '/**',
    ' * @param',
    'echo',
    'array(',
    '=>',
    'null',
  );
  const line = () => {
    const parts = [pick(keywords)];
    const count = 1 + Math.floor(random() * 6);
    for (let i = 0; i < count; i++) parts.push(random() < 0.3 ? `$${pick(vocabulary)}` : pick(vocabulary));
    return `${'    '.repeat(Math.floor(random() * 4))}${parts.join(' ')}${random() < 0.5 ? ';' : ''}\n`;
  };
  const text = (size) => {
    const out = [];
    for (let length = 0; length < size; ) {
      const next = line();
      out.push(next);
      length += next.length;
    }
    return out.join('');
  };
  const bytes = (size) => {
    const buffer = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i += 4)
      buffer.writeUInt32LE((random() * 4294967296) >>> 0, Math.min(i, size - 4));
    return buffer;
  };
  const tops = [
    'app',
    'src',
    'vendor',
    'resources',
    'config',
    'database',
    'public',
    'tests',
    'lib',
    'routes',
  ];
  const dirs = Array.from({ length: 900 }, () => {
    const parts = [pick(tops)];
    for (let depth = Math.floor(random() * 5); depth > 0; depth--) parts.push(word());
    return parts.join('/');
  });
  let total = 0;
  for (let i = 0; i < files; i++) {
    const where = path.join(dir, pick(dirs));
    mkdirSync(where, { recursive: true });
    const roll = random();
    let name;
    let content;
    if (roll < 0.015) {
      // Images, fonts and archives: random bytes, as incompressible as the real thing.
      name = `${word()}-${i}.${pick(['png', 'jpg', 'woff2', 'gz', 'webp', 'zip'])}`;
      content = bytes(20_000 + Math.floor(random() * 180_000));
    } else {
      // Source-like text: most files 0.4-16 kB, 2% ten times larger.
      const size = Math.floor(Math.exp(6 + random() * 3.7) * (random() < 0.02 ? 10 : 1));
      name = `${word()}-${i}.${pick(['php', 'php', 'php', 'js', 'css', 'json', 'md', 'blade.php'])}`;
      content = text(size);
    }
    const file = path.join(where, name);
    writeFileSync(file, content);
    if (roll > 0.995) chmodSync(file, 0o755);
    total += content.length;
  }
  // Two files above the streaming threshold: a text dump and a compressed blob.
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const dump = text(12_000_000);
  const blob = bytes(8_000_000);
  writeFileSync(path.join(dir, 'storage', 'seed.sql'), dump);
  writeFileSync(path.join(dir, 'storage', 'model.bin.gz'), blob);
  return { files: files + 2, bytes: total + dump.length + blob.length };
}

function git(args) {
  execFileSync('git', args, { cwd: repo, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs a command to its end: wall ms and, with /usr/bin/time, the peak resident memory in MB. */
function measure(command, args, cwd) {
  const timeFile = path.join(root, 'time.txt');
  const [file, argv] = hasTime
    ? ['/usr/bin/time', ['-f', '%M', '-o', timeFile, command, ...args]]
    : [command, args];
  const start = process.hrtime.bigint();
  const result = spawnSync(file, argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const memory = hasTime ? Number(execFileSync('tail', ['-n1', timeFile]).toString()) / 1024 : Number.NaN;
  return { ms, memory };
}

const library = (cwd, out, level) => [
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { buildSourceBundle } from ${JSON.stringify(dist)};
     await buildSourceBundle({ cwd: ${JSON.stringify(cwd)}, out: ${JSON.stringify(out)}${level === undefined ? '' : `, compressionLevel: ${level}`} });`,
  ],
];

try {
  mkdirSync(repo, { recursive: true });
  mkdirSync(outputs);
  const started = Date.now();
  const tree = generateTree(repo);
  git(['init', '-q', '-b', 'main']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'A large project']);
  git(['repack', '-adq']);
  cpSync(repo, copy, { recursive: true, filter: (source) => path.basename(source) !== '.git' });
  writeFileSync(path.join(copy, '.ebignore'), 'storage/logs/\n*.log\n');
  console.log(
    `\ngenerated ${tree.files} files, ${(tree.bytes / 1e6).toFixed(1)} MB, committed and packed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  const out = (name) => path.join(outputs, name);
  const cases = [
    {
      name: 'git archive --format=zip HEAD',
      run: () => measure('git', ['archive', '--format=zip', '-o', out('git.zip'), 'HEAD'], repo),
      file: out('git.zip'),
    },
    {
      name: 'buildSourceBundle (no cache)',
      run: () => measure(...library(repo, out('ours.zip')), repo),
      file: out('ours.zip'),
      targeted: true,
    },
    {
      name: 'buildSourceBundle, .ebignore tree',
      run: () => measure(...library(copy, out('ebignore.zip')), copy),
      file: out('ebignore.zip'),
      untargeted: true,
    },
  ];
  if (hasZip) {
    cases.push({
      name: 'zip -qr (working tree)',
      run: () => {
        rmSync(out('info-zip.zip'), { force: true });
        return measure('zip', ['-qr', out('info-zip.zip'), '.', '-x', '.git/*'], repo);
      },
      file: out('info-zip.zip'),
      untargeted: true,
    });
  }

  const timings = cases.map(() => []);
  const memories = cases.map(() => []);
  for (let round = 0; round < rounds + 1; round++) {
    for (const [index, benchCase] of cases.entries()) {
      const { ms, memory } = benchCase.run();
      if (round === 0) continue; // warms the page cache and git's pack
      timings[index].push(ms);
      memories[index].push(memory);
    }
  }

  const baseline = median(timings[0]);
  console.log(
    `\nbundle: median of ${rounds} interleaved rounds, node ${process.version}, git archive = 1.00\n`,
  );
  printTable(
    [
      'case',
      'median ms',
      'x git archive',
      `target ${TIME_TARGET}x`,
      'peak MB',
      `target <${MEMORY_TARGET_MB}`,
      'zip MB',
    ],
    cases.map((benchCase, index) => {
      const value = median(timings[index]);
      const memory = Math.max(...memories[index]);
      return [
        benchCase.name,
        value.toFixed(0),
        (value / baseline).toFixed(2),
        benchCase.targeted ? (value / baseline <= TIME_TARGET ? 'ok' : 'OVER') : '',
        Number.isNaN(memory) ? 'n/a' : memory.toFixed(0),
        benchCase.targeted && !Number.isNaN(memory) ? (memory < MEMORY_TARGET_MB ? 'ok' : 'OVER') : '',
        (statSync(benchCase.file).size / 1e6).toFixed(1),
      ];
    }),
  );

  // The default level: the time each level takes and the bundle it gives (every upload and every
  // instance's download pays for the size again).
  const levels = [1, 2, 4, 6, 9];
  const levelTimings = levels.map(() => []);
  for (let round = 0; round < levelRounds; round++) {
    for (const [index, level] of levels.entries()) {
      levelTimings[index].push(measure(...library(repo, out(`level-${level}.zip`), level), repo).ms);
    }
  }
  const level6 = statSync(out('level-6.zip')).size;
  console.log(`\ncompression levels: median of ${levelRounds} round(s), same tree\n`);
  printTable(
    ['level', 'median ms', 'x git archive', 'zip MB', 'size x level 6'],
    levels.map((level, index) => {
      const size = statSync(out(`level-${level}.zip`)).size;
      const value = median(levelTimings[index]);
      return [
        level,
        value.toFixed(0),
        (value / baseline).toFixed(2),
        (size / 1e6).toFixed(1),
        (size / level6).toFixed(3),
      ];
    }),
  );
  if (process.env.BENCH_STRICT && median(timings[1]) / baseline > TIME_TARGET) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
