// What a service gets when it installs the published package: `pnpm pack` of this package and of
// @reletan/core (its one workspace dependency, which the tarball names as version 0.0.0), both tarballs
// installed by npm into an empty project, as an app's workers would. memjs and core's own dependencies
// come from the public registry.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const coreDir = path.resolve(packageDir, '../core');
const repoRoot = path.resolve(packageDir, '../..');

/** The packages a service that only caches must not get: config code and SDKs. */
const FORBIDDEN = ['zod', 'jiti', 'jsonc-parser', '@octokit', '@aws-sdk', '@reletan/config'];

interface Output {
  stdout: string;
  stderr: string;
}

/** Runs a command, rejecting with everything it printed when it fails. */
function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<Output>((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/**
 * npm's environment without the variables pnpm sets for the test run (npm would read pnpm's settings
 * as its own), keeping the ones that say how to reach a registry.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cafile|proxy|https_proxy|noproxy|strict_ssl|cache)$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^p?npm_/i.test(name) || keep.test(name)),
  );
}

/** Every package under `node_modules`, nested ones included, by name. */
async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dirs = entry.name.startsWith('@')
      ? (await readdir(path.join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of dirs) {
      names.push(name);
      names.push(...(await installedPackages(path.join(nodeModules, name, 'node_modules'))));
    }
  }
  return names;
}

// Loaded with `node --import`: records every module the process loads to the file named by RECORD_TO,
// through require (memjs is required) here, and through import with the resolve hook below.
const RECORDER = `import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
const load = Module._load;
Module._load = function recordingLoad(request, parent, isMain) {
  const loaded = load.call(this, request, parent, isMain);
  try {
    appendFileSync(process.env.RECORD_TO, \`file://\${Module._resolveFilename(request, parent, isMain)}\\n\`);
  } catch {}
  return loaded;
};
register('./record-hooks.mjs', import.meta.url);
`;
const RECORD_HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.RECORD_TO, \`\${result.url}\\n\`);
  return result;
}
`;

// What a worker does: import the package (recording what that loaded), then use it for real.
const WORKER = `import { appendFileSync } from 'node:fs';
const cacheCoordinator = await import('@reletan/cache-coordinator');
appendFileSync(process.env.RECORD_TO, '--- imported\\n');
const { cachePrefix, createCache, runCacheFlush } = cacheCoordinator;
const { startMemcached } = await import('@reletan/cache-coordinator/testing');
const server = await startMemcached();
try {
  const prefix = cachePrefix({ strategy: 'release', app: 'shop', release: 'v1.4.0' });
  const cache = createCache({ servers: [server.address], prefix });
  await cache.set('product:1', { id: 1 });
  const product = await cache.get('product:1');
  cache.close();
  const flush = await runCacheFlush([server.address], { dryRun: true });
  let stage;
  try {
    await import('@reletan/cache-coordinator/stage');
    stage = 'loaded';
  } catch (error) {
    stage = error.message;
  }
  console.log(JSON.stringify({ prefix, product, steps: flush.steps.map((step) => step.status), stage }));
} finally {
  await server.stop();
}
`;

// A service's TypeScript: the client and the prefix functions, checked against the published types.
const SERVICE = `import { type Cache, cachePrefix, createCache, MAX_PREFIX_LENGTH, memcachedKey } from '@reletan/cache-coordinator';

const prefix: string = cachePrefix({ strategy: 'release', app: 'shop', release: process.env.RELEASE ?? 'v1.4.0' });
if (prefix.length > MAX_PREFIX_LENGTH) throw new Error('unreachable');
const cache: Cache = createCache({ servers: ['127.0.0.1:11211'], prefix, timeoutMs: 200 });
const product = await cache.getOrSet('product:1', async () => ({ id: 1, name: 'tea bowl' }));
const id: number = product.id;
export const key: string = memcachedKey(prefix, \`product:\${id}\`);
cache.close();
`;

// Generous: on a loaded CI machine (other packages type-check and test at the same time) npm and tsc take
// tens of seconds.
describe('installs and loads in a plain npm project without config, zod or SDK code', {
  timeout: 120_000,
}, () => {
  let work: string;
  let project: string;

  beforeAll(async () => {
    for (const dir of [packageDir, coreDir]) {
      if (!existsSync(path.join(dir, 'dist/index.js'))) {
        throw new Error(`${dir} is not built: run "pnpm build" first (pnpm test does, through turbo)`);
      }
    }
    work = await mkdtemp(path.join(tmpdir(), 'cache-coordinator-install-'));
    const tarballs = path.join(work, 'tarballs');
    project = path.join(work, 'service');
    for (const dir of [coreDir, packageDir]) {
      await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, env: npmEnv() });
    }
    const packed = (await readdir(tarballs)).filter((file) => file.endsWith('.tgz'));
    expect(packed.sort()).toEqual(['reletan-cache-coordinator-0.0.0.tgz', 'reletan-core-0.0.0.tgz']);
    await mkdir(project);
    await writeFile(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'service', private: true, type: 'module' }, null, 2)}\n`,
    );
    // One command: the cache-coordinator tarball asks for @reletan/core 0.0.0, which the core tarball is.
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        // The registry is asked only for what npm's cache lacks: on a warm machine, no network at all.
        '--prefer-offline',
        '--loglevel=error',
        ...packed.map((file) => path.join(tarballs, file)),
      ],
      { cwd: project, env: npmEnv() },
    );
  }, 180_000);

  afterAll(async () => {
    if (work && !process.env.KEEP_INSTALL) await rm(work, { recursive: true, force: true });
  });

  it('installs memjs and core, and no config code, zod or SDK', async () => {
    const installed = await installedPackages(path.join(project, 'node_modules'));
    expect(installed).toEqual(
      expect.arrayContaining(['@reletan/cache-coordinator', '@reletan/core', 'memjs']),
    );
    const forbidden = installed.filter((name) =>
      FORBIDDEN.some((unwanted) => name === unwanted || name.startsWith(`${unwanted}/`)),
    );
    expect(forbidden).toEqual([]);
    // The one copy of core is the packed one (the registry has no @reletan/core 0.0.0 to fetch instead).
    expect(installed.filter((name) => name === '@reletan/core')).toHaveLength(1);
    const core = JSON.parse(
      await readFile(path.join(project, 'node_modules/@reletan/core/package.json'), 'utf8'),
    ) as { description: string };
    const ours = JSON.parse(await readFile(path.join(coreDir, 'package.json'), 'utf8')) as {
      description: string;
    };
    expect(core.description).toBe(ours.description);
  });

  it('loads only its own code and core errors on import, and works at run time', async () => {
    const record = path.join(work, 'loaded.log');
    await writeFile(record, '');
    await writeFile(path.join(project, 'record.mjs'), RECORDER);
    await writeFile(path.join(project, 'record-hooks.mjs'), RECORD_HOOKS);
    await writeFile(path.join(project, 'worker.mjs'), WORKER);
    const { stdout } = await run(process.execPath, ['--import', './record.mjs', 'worker.mjs'], {
      cwd: project,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, RECORD_TO: record },
    });
    const result = JSON.parse(stdout) as { prefix: string; product: unknown; steps: string[]; stage: string };
    expect(result).toMatchObject({ prefix: 'shop.r-v1.4.0', product: { id: 1 }, steps: ['planned'] });
    // The config-reading subpath needs the optional peer, which a service does not install.
    expect(result.stage).toContain('@reletan/config');

    const log = (await readFile(record, 'utf8')).split('\n');
    // The recorder sees required modules too: memjs, once the client is used.
    expect(log.some((url) => url.includes('/node_modules/memjs/'))).toBe(true);
    const atImport = log
      .slice(0, log.indexOf('--- imported'))
      .filter((url) => url.includes('/node_modules/'))
      .map((url) => url.slice(url.indexOf('/node_modules/') + '/node_modules/'.length));
    expect(atImport.length).toBeGreaterThan(0);
    // memjs is loaded on first use, and core's main entry (its logger's dependencies) only by a flush.
    const packageOf = (file: string) =>
      file
        .split('/')
        .slice(0, file.startsWith('@') ? 2 : 1)
        .join('/');
    expect([...new Set(atImport.map(packageOf))].sort()).toEqual([
      '@reletan/cache-coordinator',
      '@reletan/core',
    ]);
    expect(atImport).not.toContain('@reletan/core/dist/index.js');
  });

  it('type-checks a service using the client and the prefix functions, library types included', async () => {
    await writeFile(path.join(project, 'service.ts'), SERVICE);
    await writeFile(
      path.join(project, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            // The published .d.ts files are checked too: a type they name must be installed with them.
            skipLibCheck: false,
            noEmit: true,
            // A Node service has @types/node: the repository's, rather than one more download.
            typeRoots: [path.join(repoRoot, 'node_modules/@types')],
            types: ['node'],
          },
          files: ['service.ts'],
        },
        null,
        2,
      )}\n`,
    );
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project });
  });
});
