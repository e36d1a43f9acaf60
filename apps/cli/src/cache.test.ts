import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cache, createCache, createRolloutCoordinator } from '@reletan/cache-coordinator';
import { type MemcachedProcess, startMemcached } from '@reletan/cache-coordinator/testing';
import { createTestRepo, makeTempDir, runNodeScript, type TestRepo, testGitEnv } from '@reletan/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runRecordingModules } from '../test/loaded-modules.js';
import { runReletanInProcess } from './testing.js';

const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));

let repo: TestRepo;
beforeEach(async () => {
  repo = await createTestRepo();
  await repo.git.run(['remote', 'set-url', 'origin', 'git@github.com:acme/shop.git']);
});
afterEach(async () => {
  await repo.cleanup();
});

const reletan = (args: string[]) => runReletanInProcess(args, { cwd: repo.dir, env: testGitEnv() });

async function writeConfig(stages: Record<string, unknown>) {
  await writeFile(path.join(repo.dir, 'reletan.config.json'), JSON.stringify({ stages }, null, 2));
}

describe('cache prefix', () => {
  beforeEach(async () => {
    await writeConfig({
      prod: { cache: { servers: ['127.0.0.1:11211'] } },
      qa: {
        cache: { servers: ['127.0.0.1:11211'], strategy: 'schema', schemaVersion: 3, prefixKey: 'MC_PREFIX' },
      },
      legacy: { cache: { servers: ['127.0.0.1:11211'], strategy: 'flush-after-rollout', app: 'old-shop' } },
      dev: {},
    });
  });

  it('prints the release prefix for the tag at HEAD, with no memcached server needed', async () => {
    await repo.git.run(['tag', 'v1.4.0']);
    const result = await reletan(['cache', 'prefix', 'prod']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'shop.r-v1.4.0\n' });
    expect(result.stderr).toContain('CACHE_PREFIX of stage prod: strategy release, app shop');
    expect(result.stderr).toContain('the tag at HEAD');
  });

  it('uses the short commit when HEAD has no tag', async () => {
    const sha = await repo.git.output(['rev-parse', 'HEAD']);
    expect((await reletan(['cache', 'prefix', 'prod'])).stdout).toBe(`shop.r-${sha.slice(0, 12)}\n`);
  });

  it('takes the release from --release, and reports the .env entry with --json', async () => {
    const result = await reletan(['cache', 'prefix', 'prod', '--release', 'v2.0.0', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      stage: 'prod',
      strategy: 'release',
      app: 'shop',
      appSource: 'git remote',
      release: 'v2.0.0',
      releaseSource: 'given',
      schemaVersion: null,
      prefixKey: 'CACHE_PREFIX',
      prefix: 'shop.r-v2.0.0',
      env: { CACHE_PREFIX: 'shop.r-v2.0.0' },
    });
  });

  it('prints the schema prefix under its own prefixKey, whatever the release', async () => {
    const result = await reletan(['cache', 'prefix', 'qa', '--release', 'v9', '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ prefix: 'shop.s-3', env: { MC_PREFIX: 'shop.s-3' } });
  });

  it('prints the app alone for flush-after-rollout', async () => {
    expect((await reletan(['cache', 'prefix', 'legacy'])).stdout).toBe('old-shop\n');
  });

  it.each([
    [['cache', 'prefix', 'dev'], 'stage "dev" has no cache section'],
    [['cache', 'prefix', 'staging'], 'unknown stage "staging"'],
  ])('exits 2 for %j', async (args, message) => {
    const result = await reletan(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('says to pass --release ID when there is no commit to tell the release by (exit 2)', async () => {
    const dir = await makeTempDir();
    try {
      await writeFile(
        path.join(dir.path, 'reletan.config.json'),
        JSON.stringify({ stages: { prod: { cache: { servers: ['127.0.0.1:11211'], app: 'shop' } } } }),
      );
      const result = await runNodeScript(bin, ['cache', 'prefix', 'prod'], {
        cwd: dir.path,
        env: testGitEnv(),
      });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain('is not a git repository with a commit');
      expect(result.stderr).toContain('hint: pass the release id with --release ID');
    } finally {
      await dir.cleanup();
    }
  });

  it('says to pass --release ID for an empty release id (exit 2)', async () => {
    const result = await reletan(['cache', 'prefix', 'prod', '--release', '']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'hint: pass --release ID, or run where HEAD is a tagged commit of a git repository',
    );
  });

  it('loads no memcached client for cache --help', async () => {
    const result = await runRecordingModules(bin, ['cache', '--help'], { cwd: repo.dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('flush');
    expect(result.loaded.filter((url) => /\/(memjs|cache-coordinator)\/|\/commands?\//.test(url))).toEqual(
      [],
    );
  });
});

describe('with memcached', () => {
  const servers: MemcachedProcess[] = [];
  beforeAll(async () => {
    servers.push(...(await Promise.all([startMemcached(), startMemcached()])));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });
  const addresses = () => servers.map((server) => server.address);

  let sentinels: Cache[] = [];
  /** An entry on every server, to see whether a flush happened. */
  async function plantSentinels() {
    sentinels = addresses().map((address) => createCache({ servers: [address], prefix: 'other-app' }));
    await Promise.all(sentinels.map((cache) => cache.set('kept?', true)));
  }
  const sentinelsLeft = async () =>
    Promise.all(sentinels.map(async (cache) => (await cache.get('kept?')) === true));
  afterEach(() => {
    for (const cache of sentinels) cache.close();
    sentinels = [];
  });

  describe('cache stats', () => {
    it('reports every server up with items, hit ratio and evictions', async () => {
      await writeConfig({ prod: { cache: { servers: addresses() } } });
      const result = await reletan(['cache', 'stats', 'prod']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^server\s+state\s+items\s+hit ratio\s+evictions/);
      for (const address of addresses())
        expect(result.stdout).toMatch(new RegExp(`${address}\\s+up\\s+\\d+`));
    });

    it('reports a stopped server down, and the other in full, within a few seconds (exit 1)', async () => {
      const stopped = await startMemcached();
      await stopped.stop();
      const frozen = await startMemcached();
      await frozen.freeze();
      try {
        await writeConfig({
          prod: { cache: { servers: [stopped.address, frozen.address, servers[0]?.address] } },
        });
        const started = Date.now();
        const result = await reletan(['cache', 'stats', 'prod', '--timeout', '1000', '--json']);
        expect(Date.now() - started).toBeLessThan(4_000);
        expect(result.exitCode).toBe(1);
        const report = JSON.parse(result.stdout) as { servers: { server: string; up: boolean }[] };
        expect(report.servers.map((server) => [server.server, server.up])).toEqual([
          [stopped.address, false],
          [frozen.address, false],
          [servers[0]?.address, true],
        ]);
        expect(report.servers[2]).toMatchObject({ items: expect.any(Number), evictions: expect.any(Number) });
        expect(result.stderr).toContain('2 of 3 memcached server(s) of stage prod did not answer');
      } finally {
        frozen.thaw();
        await frozen.stop();
      }
    });
  });

  describe('cache flush', () => {
    beforeEach(async () => {
      await writeConfig({ prod: { cache: { servers: addresses(), app: 'shop' } } });
      await plantSentinels();
    });
    const rollout = () =>
      createRolloutCoordinator({ servers: addresses(), app: 'shop', stage: 'prod', strategy: 'release' });

    it('flushes every server and says that it empties every key on them', async () => {
      const result = await reletan(['cache', 'flush', 'prod']);
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toContain(`flush empties every key on ${addresses().join(', ')}`);
      const lines = addresses().map((address) => `✓ flushed ${address}`);
      expect(result.stdout).toBe(`${lines.join('\n')}\n`);
      expect(await sentinelsLeft()).toEqual([false, false]);
    });

    it('prints what it would flush and flushes nothing with --dry-run', async () => {
      const result = await reletan(['cache', 'flush', 'prod', '--dry-run', '--json']);
      expect(result.exitCode).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        dryRun: true,
        servers: addresses(),
        rolloutInProgress: false,
      });
      expect(await sentinelsLeft()).toEqual([true, true]);
    });

    it('reports each server it flushed as a step with its duration with --json', async () => {
      const result = await reletan(['cache', 'flush', 'prod', '--json']);
      expect(result.exitCode).toBe(0);
      const report = JSON.parse(result.stdout) as { flushed: unknown[]; steps: unknown[] };
      expect(report).toMatchObject({
        dryRun: false,
        stage: 'prod',
        flushed: addresses().map((server) => ({ server, flushed: true })),
      });
      expect(report.steps).toEqual(
        addresses().map((server) => ({
          id: `flush:${server}`,
          description: `flush every key on ${server}`,
          status: 'succeeded',
          durationMs: expect.any(Number),
        })),
      );
    });

    it('lists the steps it would run, none of them run, with --dry-run --json', async () => {
      const result = await reletan(['cache', 'flush', 'prod', '--dry-run', '--json']);
      expect(JSON.parse(result.stdout).steps).toEqual(
        addresses().map((server) => ({
          id: `flush:${server}`,
          description: `flush every key on ${server}`,
          status: 'planned',
        })),
      );
      expect(await sentinelsLeft()).toEqual([true, true]);
    });

    it('refuses while a rollout of the stage is in progress (exit 1), flushing nothing', async () => {
      await rollout().begin({ release: 'v1.5.0' });
      try {
        for (const args of [
          ['cache', 'flush', 'prod'],
          ['cache', 'flush', 'prod', '--dry-run'],
        ]) {
          const result = await reletan(args);
          expect(result.exitCode).toBe(1);
          expect(result.stderr).toContain('refusing to flush: a rollout of v1.5.0');
          expect(result.stderr).toContain('--force');
        }
        expect(await sentinelsLeft()).toEqual([true, true]);
      } finally {
        await rollout().abort();
      }
    });

    it('refuses a flush of another stage on the same servers while a rollout is in progress (exit 1)', async () => {
      // The deployer named the app its own way: the flush reads every rollout on the servers, whoever began it.
      await writeConfig({
        prod: { cache: { servers: addresses() } },
        staging: { cache: { servers: addresses() } },
      });
      const deployer = createRolloutCoordinator({
        servers: addresses(),
        app: 'shop-web',
        stage: 'prod',
        strategy: 'release',
      });
      await deployer.begin({ release: 'v1.5.0' });
      try {
        const result = await reletan(['cache', 'flush', 'staging']);
        expect(result.exitCode).toBe(1);
        expect(result.stderr).toContain('refusing to flush: a rollout of v1.5.0 (shop-web/prod, started');
        expect(await sentinelsLeft()).toEqual([true, true]);
        const dryRun = await reletan(['cache', 'flush', 'staging', '--dry-run', '--force', '--json']);
        expect(JSON.parse(dryRun.stdout)).toMatchObject({
          rolloutInProgress: true,
          rollouts: [{ app: 'shop-web', stage: 'prod', release: 'v1.5.0', state: 'rolling' }],
        });
      } finally {
        await deployer.abort();
      }
    });

    it('needs no git repository to flush', async () => {
      await writeConfig({ prod: { cache: { servers: addresses() } } });
      await repo.git.run(['remote', 'remove', 'origin']);
      const result = await reletan(['cache', 'flush', 'prod']);
      expect(result.exitCode).toBe(0);
      expect(await sentinelsLeft()).toEqual([false, false]);
    });

    it('flushes during a rollout with --force, with a warning, and keeps the rollout listed', async () => {
      await rollout().begin({ release: 'v1.5.0' });
      try {
        const result = await reletan(['cache', 'flush', 'prod', '--force']);
        expect(result.exitCode).toBe(0);
        expect(result.stderr).toContain('a rollout of v1.5.0');
        expect(await sentinelsLeft()).toEqual([false, false]);
        expect((await rollout().status()).rollouts.map((listed) => listed.release)).toEqual(['v1.5.0']);
      } finally {
        await rollout().abort();
      }
    });

    it('refuses while a server does not answer, naming it, and flushes nothing (exit 1)', async () => {
      const stopped = await startMemcached();
      await stopped.stop();
      await writeConfig({ prod: { cache: { servers: [...addresses(), stopped.address], app: 'shop' } } });
      const result = await reletan(['cache', 'flush', 'prod', '--timeout', '500']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`refusing to flush: ${stopped.address} did not answer`);
      expect(result.stderr).toContain('--force');
      expect(await sentinelsLeft()).toEqual([true, true]);
    });

    it('says which server was not flushed (exit 1)', async () => {
      const stopped = await startMemcached();
      await stopped.stop();
      await writeConfig({ prod: { cache: { servers: [...addresses(), stopped.address], app: 'shop' } } });
      const result = await reletan(['cache', 'flush', 'prod', '--timeout', '500', '--force']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('flushed 2 of 3 memcached server(s) of stage prod');
      expect(result.stderr).toContain(`${stopped.address}: connect ECONNREFUSED`);
    });

    it('exits 2 on a bad --timeout', async () => {
      expect((await reletan(['cache', 'flush', 'prod', '--timeout', 'soon'])).exitCode).toBe(2);
    });
  });
});
