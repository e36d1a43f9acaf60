import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Options } from 'tsup';

interface PluginBuild {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => object): void;
}

/** Leaves `import('./commands/x.js')` as a run-time import of the ESM build instead of bundling it. */
const lazyCommands = {
  name: 'lazy-commands',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /^\.\/commands\// }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * The build of an app (`reletan`, `reletan-ci`): two outputs.
 *
 * - `dist/bin.cjs`: the bin, one CommonJS file with commander and core's cli-kit bundled in. Node
 *   starts a CommonJS entry without its ESM loader, and one file loads faster than commander's seven:
 *   together that keeps `--help` within 1.5x of `node -e 0` (bench/startup.mjs).
 * - `dist/commands/*.js` (and `dist/index.js`): ESM, imported by the bin only when a command runs,
 *   with every dependency external, so each command loads its own SDK and nothing else.
 */
export function appBuild(options: { packageDir: URL; library?: boolean }): Options[] {
  const { version } = JSON.parse(readFileSync(new URL('package.json', options.packageDir), 'utf8')) as {
    version: string;
  };
  // Named entries, so the modules land in dist/commands/ whatever else is built.
  const commands = Object.fromEntries(
    readdirSync(new URL('src/commands/', options.packageDir))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => [`commands/${file.replace(/\.ts$/, '')}`, `src/commands/${file}`]),
  );
  // Baked in, so `--version` reads no file.
  const define = { __RELETAN_VERSION__: JSON.stringify(version) };
  return [
    {
      entry: { ...commands, ...(options.library ? { index: 'src/index.ts' } : {}) },
      format: ['esm'],
      target: 'node20',
      dts: options.library ? { entry: 'src/index.ts' } : false,
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
      onSuccess: async () => deferChildProcess(new URL('dist/bin.cjs', options.packageDir)),
      define,
    },
  ];
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
