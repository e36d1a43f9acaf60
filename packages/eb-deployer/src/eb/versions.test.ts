import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import type { ReleaseIdentity } from '@reletan/core';
import { createFakeClock } from '@reletan/core/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { installEbSimulation } from './install-simulation.js';
import { EbSimulation } from './simulation.js';
import {
  bundleKey,
  choosePrunable,
  ensureApplicationVersion,
  versionDescription,
  versionLabel,
} from './versions.js';

const client = new ElasticBeanstalkClient({
  region: 'ap-northeast-1',
  credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
});
let restore: (() => void) | undefined;
afterEach(() => restore?.());

const release: ReleaseIdentity = {
  id: 'v1.4.0',
  source: 'tag',
  tag: 'v1.4.0',
  version: '1.4.0',
  sha: 'a'.repeat(40),
  shortSha: 'a'.repeat(12),
};
const sha256 = `9f2c1a7e${'0'.repeat(56)}`;

function setup(
  options: { quota?: number; versions?: { label: string; application?: string; createdAt?: number }[] } = {},
) {
  const clock = createFakeClock();
  const simulation = new EbSimulation({
    clock,
    application: 'shop',
    environments: [
      { name: 'shop-web', label: 'shop-live-web' },
      { name: 'shop-worker', label: 'shop-live-worker' },
    ],
    versions: options.versions ?? [],
    ...(options.quota ? { quota: options.quota } : {}),
  });
  const mock = installEbSimulation(simulation);
  restore = () => mock.restore();
  const target = { client, application: 'shop', region: 'ap-northeast-1' };
  const ensure = (
    label = versionLabel({ application: 'shop', release, bundleSha256: sha256 }),
    extra: { sha?: string; process?: boolean; keep?: number } = {},
  ) =>
    ensureApplicationVersion({
      target,
      label,
      bucket: 'deploys',
      key: bundleKey('shop', label),
      sha256: extra.sha ?? sha256,
      description: versionDescription({ sha256: extra.sha ?? sha256, release }),
      keepVersions: extra.keep ?? 50,
      process: extra.process ?? false,
      clock,
    });
  return { clock, simulation, ensure };
}

describe('the version label', () => {
  it('is the app, the version (or short sha) and the first 8 of the bundle hash', () => {
    expect(versionLabel({ application: 'shop', release, bundleSha256: sha256 })).toBe('shop-1.4.0-9f2c1a7e');
    expect(
      versionLabel({
        application: 'shop',
        release: { ...release, version: undefined, tag: undefined, source: 'commit' },
        bundleSha256: sha256,
      }),
    ).toBe('shop-aaaaaaaaaaaa-9f2c1a7e');
    expect(bundleKey('shop', 'shop-1.4.0-9f2c1a7e')).toBe('shop/shop-1.4.0-9f2c1a7e.zip');
  });
});

describe('creating the application version', () => {
  it('creates it with the bundle in S3 and its hash in the description', async () => {
    const { simulation, ensure } = setup();
    expect(await ensure()).toEqual({ label: 'shop-1.4.0-9f2c1a7e', created: true, pruned: [] });
    expect(simulation.versionLabels()).toContain('shop-1.4.0-9f2c1a7e');
  });

  it('reuses it on a rerun with the same bundle, and refuses another bundle under the same label', async () => {
    const { ensure } = setup();
    await ensure();
    expect(await ensure()).toMatchObject({ created: false });
    await expect(ensure(undefined, { sha: `ffffffff${'0'.repeat(56)}` })).rejects.toMatchObject({
      code: 'EB_VERSION_CONFLICT',
    });
  });

  it("deletes the application's oldest unused versions when one more would exceed the account's quota", async () => {
    const versions = Array.from({ length: 6 }, (_, index) => ({
      label: `shop-old-${index}`,
      createdAt: 1_000 + index,
    }));
    // 2 live + 6 old = 8, quota 8: one must go, and it is the oldest not in use.
    const { simulation, ensure } = setup({ quota: 8, versions });
    const result = await ensure(undefined, { keep: 3 });
    expect(result.pruned).toEqual(['shop-old-0']);
    expect(simulation.versionLabels()).not.toContain('shop-old-0');
    expect(simulation.versionLabels()).toContain('shop-live-web');
  });

  it('fails naming the quota when keepVersions leaves nothing to delete, creating nothing', async () => {
    const versions = Array.from({ length: 2 }, (_, index) => ({
      label: `shop-old-${index}`,
      createdAt: 1_000 + index,
    }));
    const { simulation, ensure } = setup({ quota: 4, versions });
    await expect(ensure(undefined, { keep: 10 })).rejects.toMatchObject({
      code: 'EB_VERSION_QUOTA',
      input: { path: 'deploy.keepVersions' },
    });
    expect(simulation.versionLabels()).toHaveLength(4);
  });

  it('waits for Processed when Elastic Beanstalk processes the bundle', async () => {
    const { clock, ensure } = setup();
    const started = clock.now();
    await ensure(undefined, { process: true });
    expect(clock.now() - started).toBeGreaterThanOrEqual(20_000);
  });
});

describe('choosing versions to delete', () => {
  it('never picks a version in use or one of the newest kept, and picks the oldest first', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (times, keep, needed, usedIndexes) => {
          const versions = times.map((createdAt, index) => ({ label: `v${index}`, createdAt }));
          const inUse = new Set(
            usedIndexes.filter((index) => index < versions.length).map((index) => `v${index}`),
          );
          const chosen = choosePrunable({ versions, inUse, keep, needed });
          const newest = [...versions]
            .sort((a, b) => b.createdAt - a.createdAt)
            .slice(0, keep)
            .map((v) => v.label);
          expect(chosen.length).toBeLessThanOrEqual(needed);
          for (const label of chosen) {
            expect(inUse.has(label)).toBe(false);
            expect(newest).not.toContain(label);
          }
          // Oldest first: every chosen one is older than every eligible one left.
          const eligibleLeft = versions.filter(
            (v) => !chosen.includes(v.label) && !inUse.has(v.label) && !newest.includes(v.label),
          );
          const createdOf = (label: string) => versions.find((v) => v.label === label)?.createdAt ?? 0;
          for (const label of chosen)
            for (const left of eligibleLeft) expect(createdOf(label)).toBeLessThanOrEqual(left.createdAt);
        },
      ),
    );
  });
});
