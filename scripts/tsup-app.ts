import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';

interface PluginBuild {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => object): void;
}

/**
 * Leaves `import('../commands/x.js')` (from a group definition) or `import('./commands/x.js')` as a
 * run-time import of the ESM build instead of bundling it, rewritten relative to `dist/bin.cjs`.
 */
const lazyCommands = {
  name: 'lazy-commands',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /^\.\.?\/(?:\.\.\/)*commands\// }, (args) => ({
      path: `./commands/${args.path.split('commands/').slice(1).join('commands/')}`,
      external: true,
    }));
  },
};

/** Every `.ts` file under `dir` (not tests), as paths relative to it: nested command folders included. */
function sourceFiles(dir: URL, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return sourceFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [`${prefix}${entry.name}`] : [];
  });
}

/**
 * The build of an app (`reletan`, `reletan-ci`): two outputs.
 *
 * - `dist/bin.cjs`: the bin, one CommonJS file with commander and core's cli-kit bundled in. Node
 *   starts a CommonJS entry without its ESM loader, and one file loads faster than commander's seven:
 *   together with the pre-rendered root help, that keeps start-up close to `node -e 0` (bench/startup.mjs).
 * - `dist/commands/` (and `dist/index.js`): ESM, imported by the bin only when a command runs,
 *   with every dependency external, so each command loads its own SDK and nothing else. Command folders
 *   may nest (`src/commands/deploy/index.ts` → `dist/commands/deploy/index.js`).
 * - `dist/help.txt`: the root help, pre-rendered, so `--help` needs no commander.
 */
export function appBuild(options: {
  packageDir: URL;
  /**
   * What the package exports to other packages, with types: `index` (the config helpers), `testing`,
   * and commands the other bin re-exports (`commands/automerge`), as entry name → source file.
   */
  exports?: Record<string, string>;
}): Options[] {
  const { version } = JSON.parse(readFileSync(new URL('package.json', options.packageDir), 'utf8')) as {
    version: string;
  };
  // Named entries, so the modules land in dist/commands/ whatever else is built.
  const commands = Object.fromEntries(
    sourceFiles(new URL('src/commands/', options.packageDir)).map((file) => [
      `commands/${file.replace(/\.ts$/, '')}`,
      `src/commands/${file}`,
    ]),
  );
  // Baked in, so `--version` reads no file.
  const define = { __RELETAN_VERSION__: JSON.stringify(version) };
  return [
    {
      entry: { ...commands, ...options.exports },
      format: ['esm'],
      target: 'node20',
      dts: options.exports ? { entry: options.exports } : false,
      sourcemap: true,
      splitting: true,
      define,
    },
    {
      entry: { bin: 'src/bin.ts' },
      format: ['cjs'],
      outExtension: () => ({ js: '.cjs' }),
      target: 'node20',
      sourcemap: true,
      splitting: false,
      // Compiling the bin is part of every start: minified, it compiles ~0.6 ms faster (2 x 60 interleaved
      // runs of `--help`); the source map still maps its stack traces.
      minify: true,
      noExternal: ['commander', '@reletan/cli-kit/bin'],
      // The command modules are the ESM build above, loaded with import() at run time.
      esbuildPlugins: [lazyCommands],
      onSuccess: async () => {
        const bin = new URL('dist/bin.cjs', options.packageDir);
        deferChildProcess(bin);
        writeRootHelp(bin);
      },
      define,
    },
  ];
}

/**
 * `--help` prints `dist/help.txt` without loading commander (`runBin`'s `rootHelpFile`): the root help
 * as commander renders it at 80 columns, written here from the built bin itself, so it cannot drift from
 * the definitions (a test compares it with commander's live rendering).
 */
function writeRootHelp(bin: URL): void {
  const help = execFileSync(process.execPath, [fileURLToPath(bin), '--help'], {
    env: { PATH: process.env.PATH, RELETAN_LIVE_HELP: '1', COLUMNS: '80' },
    encoding: 'utf8',
  });
  writeFileSync(new URL('help.txt', bin), help);
}

/**
 * commander requires child_process when it loads, only to run executable subcommands, which reletan
 * does not have; loading it costs about 1.7 ms of every start (a tenth of `node -e 0`). In the bundled
 * bin, that require becomes a stand-in that loads the real module on first use. (A build plugin cannot
 * do it: tsup marks node built-ins external before any plugin of ours runs.)
 */
function deferChildProcess(bin: URL): void {
  const code = readFileSync(bin, 'utf8');
  const eager = 'require("child_process")';
  if (!code.includes(eager))
    throw new Error(`${bin.pathname}: no ${eager} to defer; check commander's imports`);
  const lazy = 'new Proxy({}, { get: (_, key) => require("node:child_process")[key] })';
  writeFileSync(bin, code.replaceAll(eager, lazy));
}
