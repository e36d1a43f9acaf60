import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@reletan/core';
import { createTestRepo, makeTempDir, type TempDir, type TestRepo } from '@reletan/core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSourceBundle } from './build-source-bundle.js';
import { generateHookFiles } from './hooks.js';
import { extractZip, listZip, requireUnzip } from './test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => requireUnzip());

async function tempDir(): Promise<TempDir> {
  const dir = await makeTempDir('reletan-bundle-test-');
  cleanups.push(dir.cleanup);
  return dir;
}

async function repoWith(files: Record<string, string | Buffer>, order?: string[]): Promise<TestRepo> {
  const repo = await createTestRepo({ withOrigin: false });
  cleanups.push(repo.cleanup);
  await writeTree(repo.dir, files, order);
  await commit(repo);
  return repo;
}

async function writeTree(dir: string, files: Record<string, string | Buffer>, order = Object.keys(files)) {
  for (const name of order) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), files[name] as string | Buffer);
  }
}

async function commit(repo: TestRepo, message = 'Update'): Promise<void> {
  await repo.git.run(['add', '-A']);
  await repo.git.run(['commit', '-q', '--allow-empty', '-m', message]);
}

async function extract(file: string) {
  const into = await tempDir();
  return extractZip(file, into.path);
}

const APP = {
  'composer.json': '{"name": "acme/shop"}\n',
  'app/Http/Kernel.php': '<?php\n// kernel\n'.repeat(50),
  'public/logo.png': randomBytes(3000),
  artisan: '#!/usr/bin/env php\n<?php\n',
};

describe('a bundle of the same commit', () => {
  it('has the same bytes and SHA-256 every time', async () => {
    const repo = await repoWith(APP);
    const out = await tempDir();
    const first = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(out.path, 'a.zip'),
    });
    const second = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(out.path, 'b.zip'),
    });
    expect(second.sha256).toBe(first.sha256);
    expect(await readFile(second.file)).toEqual(await readFile(first.file));
    expect(first).toMatchObject({ source: 'git', cached: false, entries: 4 });
    expect(first.commit).toBe(await repo.git.output(['rev-parse', 'HEAD']));
  });

  it('does not depend on the order files were written in, their times, the clone or the time zone', async () => {
    const names = Object.keys(APP);
    const one = await repoWith(APP, names);
    const other = await repoWith(APP, [...names].reverse());
    await utimes(path.join(other.dir, 'composer.json'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const zone = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      const first = await buildSourceBundle({ cwd: one.dir, git: one.git });
      process.env.TZ = 'America/Los_Angeles';
      const second = await buildSourceBundle({ cwd: other.dir, git: other.git });
      cleanups.push(() => rm(path.dirname(first.file), { recursive: true, force: true }));
      cleanups.push(() => rm(path.dirname(second.file), { recursive: true, force: true }));
      expect(second.sha256).toBe(first.sha256);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('lists its entries in byte order of their paths, dated 1980-01-01 00:00, made on Unix, without directories', async () => {
    const repo = await repoWith({
      'a.txt': 'a',
      'a/b.txt': 'b',
      'a-b.txt': 'c',
      'Z.txt': 'd',
      'é.txt': 'e',
      'z.txt': 'f',
    });
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
    });
    const entries = listZip(bundle.file);
    expect(entries.map((entry) => entry.path)).toEqual([
      'Z.txt',
      'a-b.txt',
      'a.txt',
      'a/b.txt',
      'z.txt',
      'é.txt',
    ]);
    expect(new Set(entries.map((entry) => entry.time))).toEqual(new Set(['19800101.000000']));
    expect(new Set(entries.map((entry) => entry.madeOn))).toEqual(new Set(['unx']));
  });

  it('deflates text and stores already-compressed files as they are', async () => {
    const repo = await repoWith(APP);
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
    });
    const methods = Object.fromEntries(listZip(bundle.file).map((entry) => [entry.path, entry.method]));
    expect(methods['app/Http/Kernel.php']).toBe('defN');
    expect(methods['public/logo.png']).toBe('stor');
    expect(bundle.uncompressedBytes).toBe(
      Object.values(APP).reduce((sum, content) => sum + Buffer.byteLength(content), 0),
    );
    expect(bundle.bytes).toBe((await stat(bundle.file)).size);
  });
});

describe('files larger than the memory bound', () => {
  it('are streamed through, deflated or stored, from git and from a working tree alike', async () => {
    const dump = Buffer.from('INSERT INTO orders VALUES (1, "pending");\n'.repeat(230_000)); // ~9.7 MB
    const blob = randomBytes(9_000_000);
    const repo = await repoWith({ 'storage/seed.sql': dump, 'storage/model.bin.gz': blob, 'z.txt': 'after' });
    const fromGit = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'git.zip'),
    });
    await writeFile(path.join(repo.dir, '.ebignore'), '.gitattributes\n');
    const fromTree = await buildSourceBundle({ cwd: repo.dir, out: path.join(repo.path, 'tree.zip') });
    expect(fromTree.sha256).toBe(fromGit.sha256);
    const methods = Object.fromEntries(listZip(fromGit.file).map((entry) => [entry.path, entry.method]));
    expect(methods).toEqual({ 'storage/model.bin.gz': 'stor', 'storage/seed.sql': 'defN', 'z.txt': 'stor' });
    const files = await extract(fromGit.file);
    expect(files.get('storage/seed.sql')?.content.equals(dump)).toBe(true);
    expect(files.get('storage/model.bin.gz')?.content.equals(blob)).toBe(true);
    expect(fromGit.bytes).toBeLessThan(blob.length + dump.length / 10);
  });
});

describe('the committed tree, as git archive gives it', () => {
  it('leaves out export-ignore paths, untracked files and uncommitted changes', async () => {
    const repo = await repoWith({
      ...APP,
      '.gitattributes': 'tests/ export-ignore\n.github export-ignore\n',
      'tests/FeatureTest.php': '<?php\n',
      '.github/workflows/ci.yml': 'on: push\n',
    });
    await writeFile(path.join(repo.dir, 'untracked.txt'), 'not committed');
    await writeFile(path.join(repo.dir, 'composer.json'), '{"changed": true}\n');
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
    });
    const files = await extract(bundle.file);
    expect([...files.keys()].sort()).toEqual([
      '.gitattributes',
      'app/Http/Kernel.php',
      'artisan',
      'composer.json',
      'public/logo.png',
    ]);
    expect(files.get('composer.json')?.content.toString()).toBe(APP['composer.json']);
  });

  it('expands export-subst placeholders with the commit', async () => {
    const repo = await repoWith({ '.gitattributes': 'VERSION export-subst\n', VERSION: '$Format:%H$\n' });
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
    });
    const files = await extract(bundle.file);
    expect(files.get('VERSION')?.content.toString()).toBe(`${bundle.commit}\n`);
  });

  it('keeps a committed symlink as a symlink', async () => {
    const repo = await repoWith({ 'storage/app/public/a.txt': 'a' });
    await symlink('../storage/app/public', path.join(repo.dir, 'public-storage'));
    await commit(repo);
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
    });
    const files = await extract(bundle.file);
    expect(files.get('public-storage')).toMatchObject({
      symlink: true,
      content: Buffer.from('../storage/app/public'),
    });
    expect(listZip(bundle.file).find((entry) => entry.path === 'public-storage')?.permissions).toBe(
      'lrwxrwxrwx',
    );
  });

  it('bundles only the subdirectory it is given, as git archive does there', async () => {
    const repo = await repoWith({ 'web/index.php': '<?php', 'infra/main.tf': 'terraform {}' });
    const bundle = await buildSourceBundle({
      cwd: path.join(repo.dir, 'web'),
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
    });
    expect(listZip(bundle.file).map((entry) => entry.path)).toEqual(['index.php']);
  });
});

describe('a project with an .ebignore', () => {
  it('bundles the working tree minus its patterns, as the EB CLI does', async () => {
    const repo = await repoWith({
      ...APP,
      'storage/logs/laravel.log': 'log',
      'node_modules/x/index.js': 'x',
    });
    await writeTree(repo.dir, {
      '.ebignore': '# dependencies the instances install\nnode_modules/\n*.log\n!keep.log\nstorage/logs/\n',
      'keep.log': 'kept by the negation',
      'untracked.php': '<?php // never committed',
      'editor-backup.php~': 'left out, as the EB CLI does',
      '.elasticbeanstalk/config.yml': 'branch-defaults: {}',
      '.reletan/journal/run.json': '{}',
    });
    await writeFile(path.join(repo.dir, 'composer.json'), '{"uncommitted": true}\n');
    const bundle = await buildSourceBundle({ cwd: repo.dir, out: path.join(repo.path, 'out.zip') });
    expect(bundle).toMatchObject({ source: 'ebignore', cached: false });
    expect(bundle.commit).toBeUndefined();
    const files = await extract(bundle.file);
    expect([...files.keys()].sort()).toEqual([
      'app/Http/Kernel.php',
      'artisan',
      'composer.json',
      'keep.log',
      'public/logo.png',
      'untracked.php',
    ]);
    expect(files.get('composer.json')?.content.toString()).toBe('{"uncommitted": true}\n');
  });

  it('keeps symlinks as symlinks and the executable bit of files', async () => {
    const dir = await tempDir();
    await writeTree(dir.path, { '.ebignore': '', 'bin/run': '#!/bin/sh\n', 'notes.txt': 'n' });
    await chmod(path.join(dir.path, 'bin/run'), 0o775);
    await chmod(path.join(dir.path, 'notes.txt'), 0o664);
    await symlink('bin/run', path.join(dir.path, 'run'));
    const bundle = await buildSourceBundle({ cwd: dir.path, out: path.join(dir.path, 'dist', 'bundle.zip') });
    const files = await extract(bundle.file);
    expect([...files.keys()].sort()).toEqual(['bin/run', 'notes.txt', 'run']);
    expect(files.get('bin/run')?.mode).toBe(0o755);
    expect(files.get('notes.txt')?.mode).toBe(0o644);
    expect(files.get('run')).toMatchObject({ symlink: true, content: Buffer.from('bin/run') });
  });

  it('never bundles its own output or cache, even inside the tree', async () => {
    const dir = await tempDir();
    await writeTree(dir.path, { '.ebignore': '', 'index.php': '<?php' });
    const options = {
      cwd: dir.path,
      out: path.join(dir.path, 'bundle.zip'),
      cacheDir: path.join(dir.path, 'cache'),
    };
    const first = await buildSourceBundle(options);
    await writeFile(path.join(dir.path, 'index.php'), '<?php // changed');
    const second = await buildSourceBundle(options);
    expect(second.cached).toBe(false);
    expect(listZip(second.file).map((entry) => entry.path)).toEqual(['index.php']);
    expect(second.sha256).not.toBe(first.sha256);
  });
});

describe('modes in the bundle', () => {
  it('are 0755 for git-executable files and every platform hook, 0644 otherwise, and as given for extra files', async () => {
    const repo = await repoWith({
      ...APP,
      '.platform/hooks/postdeploy/01_warm.sh': '#!/bin/bash\ncurl -s localhost\n',
      '.platform/confighooks/prebuild/01_x.sh': '#!/bin/bash\n',
    });
    await chmod(path.join(repo.dir, 'artisan'), 0o775);
    await commit(repo);
    expect(await repo.git.output(['ls-tree', 'HEAD', 'artisan'])).toMatch(/^100755 /);
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
      extraFiles: [
        { path: '.env', content: 'APP_KEY=base64:secret\n', mode: 0o600 },
        ...generateHookFiles({
          migrate: 'php artisan migrate --force',
          perInstance: ['php artisan config:cache'],
        }),
        // A hook given without its executable bit is made executable all the same.
        { path: '.platform/hooks/prebuild/01_given.sh', content: '#!/bin/bash\n', mode: 0o644 },
      ],
    });
    const modes = Object.fromEntries(
      [...(await extract(bundle.file))].map(([name, file]) => [name, file.mode]),
    );
    expect(modes).toEqual({
      '.env': 0o600,
      '.ebextensions/reletan-migrate.config': 0o644,
      '.platform/confighooks/predeploy/90_reletan_01.sh': 0o755,
      '.platform/confighooks/prebuild/01_x.sh': 0o755,
      '.platform/hooks/postdeploy/01_warm.sh': 0o755,
      '.platform/hooks/predeploy/90_reletan_01.sh': 0o755,
      '.platform/hooks/prebuild/01_given.sh': 0o755,
      'app/Http/Kernel.php': 0o644,
      artisan: 0o755,
      'composer.json': 0o644,
      'public/logo.png': 0o644,
    });
    // The same modes as the zip's own listing shows them, not only as this unzip applied them.
    const listed = Object.fromEntries(listZip(bundle.file).map((entry) => [entry.path, entry.permissions]));
    expect(listed['.env']).toBe('-rw-------');
    expect(listed.artisan).toBe('-rwxr-xr-x');
  });
});

describe('extra files', () => {
  it('replace the tree file at their path', async () => {
    const repo = await repoWith({ ...APP, '.env': 'APP_ENV=local\n' });
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
      extraFiles: [{ path: '.env', content: Buffer.from('APP_ENV=production\n'), mode: 0o600 }],
    });
    const files = await extract(bundle.file);
    expect(files.get('.env')).toMatchObject({ content: Buffer.from('APP_ENV=production\n'), mode: 0o600 });
    expect(bundle.entries).toBe(5);
  });

  it('are refused with a path outside the bundle, twice, or where the tree has a directory', async () => {
    const repo = await repoWith(APP);
    const build = (extraFiles: { path: string; content: string }[]) =>
      buildSourceBundle({ cwd: repo.dir, git: repo.git, out: path.join(repo.path, 'out.zip'), extraFiles });
    for (const bad of ['../escape', '/etc/passwd', 'a//b', 'dir/', '.git/config', 'a\\b']) {
      await expect(build([{ path: bad, content: 'x' }])).rejects.toMatchObject({
        code: 'BUNDLE_EXTRA_FILE_INVALID',
        kind: 'usage',
      });
    }
    await expect(
      build([
        { path: '.env', content: 'a' },
        { path: '.env', content: 'b' },
      ]),
    ).rejects.toMatchObject({
      code: 'BUNDLE_EXTRA_FILE_INVALID',
    });
    await expect(
      build([{ path: 'app', content: 'a file where the tree has a directory' }]),
    ).rejects.toMatchObject({
      code: 'BUNDLE_PATH_CONFLICT',
      kind: 'usage',
      input: { file: 'app' },
    });
    expect(await readdir(repo.path)).not.toContain('out.zip');
  });
});

describe("Elastic Beanstalk's size limit", () => {
  it('refuses a bundle over the limit early, naming the largest files, and leaves nothing on disk', async () => {
    const repo = await repoWith({
      ...APP,
      'storage/dump.bin.gz': randomBytes(400_000),
      'storage/video.mp4': randomBytes(300_000),
      'z-last.txt': 'after the large files',
    });
    const out = await tempDir();
    const cacheDir = path.join(out.path, 'cache');
    const error = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(out.path, 'bundle.zip'),
      cacheDir,
      maxBytes: 500_000,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'BUNDLE_TOO_LARGE',
      kind: 'failure',
      input: { file: 'storage/dump.bin.gz' },
    });
    const { message, details, hint } = error as { message: string; details: string[]; hint: string };
    expect(message).toContain('stopped early');
    expect(message).toContain('storage/dump.bin.gz');
    expect(details[0]).toMatch(/^storage\/dump\.bin\.gz: 400\.\d kB in the zip/);
    expect(hint).toContain('export-ignore');
    expect(await readdir(out.path)).toEqual(['cache']);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('counts the whole zip, central directory included', async () => {
    const repo = await repoWith({ 'a.txt': 'a' });
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
    });
    await expect(
      buildSourceBundle({
        cwd: repo.dir,
        git: repo.git,
        out: path.join(repo.path, 'again.zip'),
        maxBytes: bundle.bytes - 1,
      }),
    ).rejects.toMatchObject({ code: 'BUNDLE_TOO_LARGE' });
    expect(await readdir(repo.path)).not.toContain('again.zip');
  });
});

describe('the bundle cache', () => {
  it('reuses the zip of an unchanged tree with the same extra files, even from another commit', async () => {
    const repo = await repoWith(APP);
    const cacheDir = path.join(repo.path, 'bundles');
    const extraFiles = [{ path: '.env', content: 'APP_KEY=one\n', mode: 0o600 }];
    const first = await buildSourceBundle({ cwd: repo.dir, git: repo.git, cacheDir, extraFiles });
    await commit(repo, 'A release commit that changes no file');
    const second = await buildSourceBundle({ cwd: repo.dir, git: repo.git, cacheDir, extraFiles });
    expect(first.cached).toBe(false);
    expect(second).toMatchObject({
      cached: true,
      sha256: first.sha256,
      bytes: first.bytes,
      entries: first.entries,
    });
    expect(second.commit).not.toBe(first.commit);

    const changed = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      cacheDir,
      extraFiles: [{ path: '.env', content: 'APP_KEY=two\n', mode: 0o600 }],
    });
    expect(changed.cached).toBe(false);
    expect(changed.sha256).not.toBe(first.sha256);
  });

  it('copies a cached bundle to the output asked for', async () => {
    const repo = await repoWith(APP);
    const cacheDir = path.join(repo.path, 'bundles');
    const first = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      cacheDir,
      out: path.join(repo.path, 'one.zip'),
    });
    const second = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      cacheDir,
      out: path.join(repo.path, 'two.zip'),
    });
    expect(second).toMatchObject({ cached: true, file: path.join(repo.path, 'two.zip') });
    expect(await readFile(second.file)).toEqual(await readFile(first.file));
  });

  it('keeps only the most recently used bundles', async () => {
    const repo = await repoWith(APP);
    const cacheDir = path.join(repo.path, 'bundles');
    for (let version = 1; version <= 4; version++) {
      await writeFile(path.join(repo.dir, 'VERSION'), `${version}\n`);
      await commit(repo);
      await buildSourceBundle({ cwd: repo.dir, git: repo.git, cacheDir, cacheKeep: 3 });
      // Distinct times, so "most recent" does not depend on the file system's clock resolution.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const zips = (await readdir(cacheDir)).filter((name) => name.endsWith('.zip'));
    expect(zips).toHaveLength(3);
    await writeFile(path.join(repo.dir, 'VERSION'), '4\n');
    expect((await buildSourceBundle({ cwd: repo.dir, git: repo.git, cacheDir })).cached).toBe(true);
    await writeFile(path.join(repo.dir, 'VERSION'), '1\n');
    await commit(repo);
    expect((await buildSourceBundle({ cwd: repo.dir, git: repo.git, cacheDir })).cached).toBe(false);
  });

  it('rebuilds a cached zip that was damaged', async () => {
    const repo = await repoWith(APP);
    const cacheDir = path.join(repo.path, 'bundles');
    const first = await buildSourceBundle({ cwd: repo.dir, git: repo.git, cacheDir });
    const bytes = await readFile(first.file);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(first.file, bytes);
    const second = await buildSourceBundle({ cwd: repo.dir, git: repo.git, cacheDir });
    expect(second).toMatchObject({ cached: false, sha256: first.sha256 });
  });

  it('keys a working tree by content, so an edit that keeps the size and time is seen', async () => {
    const dir = await tempDir();
    await writeTree(dir.path, { '.ebignore': '', 'config.php': 'debug=0' });
    const cacheDir = path.join(dir.path, '.reletan', 'bundles');
    const first = await buildSourceBundle({ cwd: dir.path, cacheDir });
    const { mtime } = await stat(path.join(dir.path, 'config.php'));
    await writeFile(path.join(dir.path, 'config.php'), 'debug=1');
    await utimes(path.join(dir.path, 'config.php'), mtime, mtime);
    const second = await buildSourceBundle({ cwd: dir.path, cacheDir });
    expect(second.cached).toBe(false);
    expect(second.sha256).not.toBe(first.sha256);
    expect((await buildSourceBundle({ cwd: dir.path, cacheDir })).cached).toBe(true);
  });
});

describe('the bundle file', () => {
  it('is written with mode 0600, through a temporary file that does not stay', async () => {
    const repo = await repoWith(APP);
    const out = await tempDir();
    const cacheDir = path.join(out.path, 'cache');
    const bundle = await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(out.path, 'bundle.zip'),
      cacheDir,
    });
    expect((await stat(bundle.file)).mode & 0o777).toBe(0o600);
    expect(await readdir(out.path)).toEqual(['bundle.zip', 'cache']);
    const cached = (await readdir(cacheDir)).sort();
    expect(cached).toHaveLength(2);
    for (const name of cached) expect((await stat(path.join(cacheDir, name))).mode & 0o777).toBe(0o600);
    expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
  });

  it('goes to a new temporary directory when no output is given', async () => {
    const repo = await repoWith(APP);
    const bundle = await buildSourceBundle({ cwd: repo.dir, git: repo.git });
    cleanups.push(() => rm(path.dirname(bundle.file), { recursive: true, force: true }));
    expect(path.basename(bundle.file)).toBe('source-bundle.zip');
    expect((await stat(bundle.file)).mode & 0o777).toBe(0o600);
  });

  it('never reaches the log: progress and summary name counts, not contents', async () => {
    const repo = await repoWith(APP);
    const lines: string[] = [];
    const stream = { write: (text: string) => lines.push(text), isTTY: false };
    const logger = createLogger({ level: 'debug', stdout: stream, stderr: stream, env: {} });
    await buildSourceBundle({
      cwd: repo.dir,
      git: repo.git,
      out: path.join(repo.path, 'out.zip'),
      logger,
      extraFiles: [{ path: '.env', content: 'DB_PASSWORD=hunter2-secret\n', mode: 0o600 }],
    });
    const logged = lines.join('');
    expect(logged).toMatch(/source bundle: 5 files/);
    expect(logged).not.toContain('hunter2');
  });
});

describe('errors', () => {
  it('refuses a directory outside any git repository, as bad usage', async () => {
    const dir = await tempDir();
    await expect(buildSourceBundle({ cwd: dir.path })).rejects.toMatchObject({
      code: 'BUNDLE_NOT_A_REPOSITORY',
      kind: 'usage',
      input: { file: dir.path },
    });
  });

  it('refuses a repository without a commit, as bad usage', async () => {
    const dir = await tempDir();
    spawnSync('git', ['init', '-q', dir.path]);
    await expect(buildSourceBundle({ cwd: dir.path })).rejects.toMatchObject({
      code: 'BUNDLE_NO_COMMIT',
      kind: 'usage',
    });
  });

  it("reports a failing git archive with git's message, and leaves nothing on disk", async () => {
    const repo = await repoWith({ 'a.txt': 'a' });
    // Lose the blob of a.txt, as a broken clone would.
    const blob = await repo.git.output(['rev-parse', 'HEAD:a.txt']);
    await rm(path.join(repo.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const out = await tempDir();
    await expect(
      buildSourceBundle({ cwd: repo.dir, git: repo.git, out: path.join(out.path, 'bundle.zip') }),
    ).rejects.toMatchObject({
      code: 'GIT_FAILED',
      kind: 'failure',
      input: { command: expect.stringContaining('git archive --format=tar') },
      message: expect.stringContaining(blob),
    });
    expect(await readdir(out.path)).toEqual([]);
  });

  it('reports a file it cannot read, naming it', async () => {
    const dir = await tempDir();
    await writeTree(dir.path, { '.ebignore': '', 'public.php': '<?php', 'secret.key': 'k' });
    await chmod(path.join(dir.path, 'secret.key'), 0o000);
    const out = path.join(dir.path, 'out');
    await mkdir(out, { mode: 0o777 });
    await chmod(out, 0o777);
    const outcome = await buildAs(dir.path, path.join(out, 'bundle.zip'));
    expect(outcome).toMatchObject({
      code: 'BUNDLE_FILE_UNREADABLE',
      kind: 'failure',
      input: { file: 'secret.key' },
    });
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses to make an empty bundle', async () => {
    const repo = await repoWith({ '.gitattributes': '* export-ignore\n', 'index.php': '<?php' });
    const out = await tempDir();
    await expect(
      buildSourceBundle({ cwd: repo.dir, git: repo.git, out: path.join(out.path, 'bundle.zip') }),
    ).rejects.toMatchObject({ code: 'BUNDLE_EMPTY', kind: 'usage' });
    expect(await readdir(out.path)).toEqual([]);
  });

  it('refuses a compression level zlib does not have', async () => {
    const repo = await repoWith(APP);
    await expect(
      buildSourceBundle({ cwd: repo.dir, git: repo.git, compressionLevel: 10 }),
    ).rejects.toMatchObject({
      code: 'BUNDLE_OPTION_INVALID',
      kind: 'usage',
    });
  });

  it('stops when its signal aborts, leaving nothing on disk', async () => {
    const repo = await repoWith(APP);
    const out = await tempDir();
    const controller = new AbortController();
    controller.abort(new Error('Ctrl-C'));
    await expect(
      buildSourceBundle({
        cwd: repo.dir,
        git: repo.git,
        out: path.join(out.path, 'bundle.zip'),
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED', kind: 'interrupted' });
    expect(await readdir(out.path)).toEqual([]);
  });
});

/**
 * Runs a build as the user "nobody" when the tests run as root (CI does), since root reads any file
 * whatever its mode; as another user, in this process. The child imports the built package (the test
 * task builds first).
 */
async function buildAs(cwd: string, out: string): Promise<unknown> {
  if (process.getuid?.() !== 0) {
    return buildSourceBundle({ cwd, out }).then(
      () => 'built',
      (error: unknown) => error,
    );
  }
  await chmod(path.dirname(cwd), 0o755);
  await chmod(cwd, 0o755);
  const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
  const script = `import { buildSourceBundle } from ${JSON.stringify(dist)};
    buildSourceBundle({ cwd: ${JSON.stringify(cwd)}, out: ${JSON.stringify(out)} }).then(
      () => console.log(JSON.stringify('built')),
      (error) => console.log(JSON.stringify({ code: error.code, kind: error.kind, input: error.input, message: error.message })),
    );`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    uid: 65534,
    gid: 65534,
    env: { PATH: process.env.PATH, HOME: '/tmp' },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`the build as nobody exited ${child.status}: ${child.stderr}`);
  return JSON.parse(child.stdout);
}
