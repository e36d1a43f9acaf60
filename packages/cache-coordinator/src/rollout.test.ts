import { createRequire } from 'node:module';
import { isReletanError } from '@reletan/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useDisposableMemcached, useMemcached } from '../test/memcached.js';
import { createCache } from './client.js';
import {
  createRolloutCoordinator,
  decideFlush,
  type RolloutStatus,
  rolloutMarkerKey,
  unconfirmedInstances,
} from './rollout.js';

const memjs = createRequire(import.meta.url)('memjs') as typeof import('memjs');
const pool = useMemcached(2);
const disposable = useDisposableMemcached();
let stageCounter = 0;

/** A coordinator for a stage of its own, so tests sharing the servers do not see each other's markers. */
function coordinator(options: Partial<Parameters<typeof createRolloutCoordinator>[0]> = {}) {
  stageCounter++;
  return createRolloutCoordinator({
    servers: pool.addresses(),
    app: 'shop',
    stage: `stage${stageCounter}`,
    strategy: 'flush-after-rollout',
    timeoutMs: 500,
    now: () => new Date('2025-06-01T10:00:00Z'),
    ...options,
  });
}

/** A sentinel entry on every server, to see whether a flush happened. */
async function plantSentinels(): Promise<() => Promise<boolean[]>> {
  const clients = pool.addresses().map((address) => createCache({ servers: [address], prefix: 'sentinel' }));
  await Promise.all(clients.map((client) => client.set('here', true)));
  return async () => {
    const present = await Promise.all(clients.map(async (client) => (await client.get('here')) === true));
    for (const client of clients) client.close();
    return present;
  };
}

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isReletanError(error)) return error;
    throw error;
  }
  throw new Error('expected a ReletanError');
}

const allOn = (release: string) => [
  { id: 'i-0a', version: release },
  { id: 'i-0b', version: release },
];

describe('begin and status', () => {
  it('marks the rollout on every server, visible to any machine', async () => {
    const rollout = coordinator();
    const begun = await rollout.begin({ release: 'v1.5.0' });
    expect(begun.servers.map((server) => server.written)).toEqual([true, true]);
    expect(begun.replaced).toBeNull();
    // Another machine (a new coordinator with the same settings) sees it.
    const elsewhere = createRolloutCoordinator({
      servers: pool.addresses(),
      app: 'shop',
      stage: `stage${stageCounter}`,
      strategy: 'flush-after-rollout',
    });
    const status = await elsewhere.status();
    expect(status.inProgress).toBe(true);
    expect(status.marker).toEqual({
      app: 'shop',
      stage: `stage${stageCounter}`,
      release: 'v1.5.0',
      startedAt: '2025-06-01T10:00:00.000Z',
    });
    expect(status.servers.every((server) => server.marker?.release === 'v1.5.0')).toBe(true);
  });

  it('keeps the marker out of every app prefix', () => {
    expect(rolloutMarkerKey('shop', 'prod')).toBe('reletan-rollout:shop:prod');
    expect(rolloutMarkerKey('shop', 'prod').startsWith('shop')).toBe(false);
  });

  it('reports the marker of an earlier rollout it replaces', async () => {
    const rollout = coordinator();
    await rollout.begin({ release: 'v1.5.0' });
    const again = await rollout.begin({ release: 'v1.6.0' });
    expect(again.replaced?.release).toBe('v1.5.0');
    expect((await rollout.status()).marker?.release).toBe('v1.6.0');
  });

  it('expires the marker after its TTL when nobody completes the rollout', async () => {
    const rollout = coordinator({ markerTtlSeconds: 1 });
    await rollout.begin({ release: 'v1.5.0' });
    expect((await rollout.status()).inProgress).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await rollout.status()).inProgress).toBe(false);
  });

  it('still sees the rollout when one server is down', async () => {
    const down = await disposable();
    const servers = [pool.address(0), down.address];
    const rollout = coordinator({ servers });
    await rollout.begin({ release: 'v1.5.0' });
    await down.stop();
    const status = await rollout.status();
    expect(status).toMatchObject({ inProgress: true, reachable: 1 });
    expect(status.servers[1]).toMatchObject({ reachable: false, marker: null });
  });

  it('fails when no server takes the marker', async () => {
    const down = await disposable();
    await down.stop();
    const error = await errorOf(coordinator({ servers: [down.address] }).begin({ release: 'v1.5.0' }));
    expect(error.code).toBe('ROLLOUT_MARKER_UNWRITTEN');
  });

  it('counts an unreadable value at the marker key as a rollout in progress', async () => {
    const rollout = coordinator();
    const raw = memjs.Client.create(pool.address(0), { logger: { log: () => {} } });
    await raw.set(rollout.markerKey, 'garbage', {});
    raw.close();
    const status = await rollout.status();
    expect(status.inProgress).toBe(true);
    expect(decideFlush(status).allowed).toBe(false);
  });
});

describe('complete', () => {
  it('refuses while an instance runs another version, and flushes nothing', async () => {
    const rollout = coordinator();
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    const error = await errorOf(
      rollout.complete({
        release: 'v1.5.0',
        instances: [
          { id: 'i-0a', version: 'v1.5.0' },
          { id: 'i-0b', version: 'v1.4.0' },
        ],
      }),
    );
    expect(error.code).toBe('ROLLOUT_NOT_CONFIRMED');
    expect(error.details).toEqual(['i-0b runs v1.4.0, not v1.5.0']);
    expect(await sentinels()).toEqual([true, true]);
    expect((await rollout.status()).inProgress).toBe(true);
  });

  it('refuses with no instance reported', async () => {
    const error = await errorOf(coordinator().complete({ release: 'v1.5.0', instances: [] }));
    expect(error.code).toBe('ROLLOUT_NOT_CONFIRMED');
  });

  it('refuses when another release’s rollout began since', async () => {
    const rollout = coordinator();
    await rollout.begin({ release: 'v1.6.0' });
    const sentinels = await plantSentinels();
    const error = await errorOf(rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') }));
    expect(error.code).toBe('ROLLOUT_RELEASE_MISMATCH');
    expect(await sentinels()).toEqual([true, true]);
  });

  it('flushes every server once every instance runs the release (flush-after-rollout)', async () => {
    const rollout = coordinator();
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    const done = await rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') });
    expect(done).toMatchObject({ flushed: true, markerFound: true });
    expect(await sentinels()).toEqual([false, false]);
    expect((await rollout.status()).inProgress).toBe(false);
  });

  it('only removes the marker for the release and schema strategies', async () => {
    const rollout = coordinator({ strategy: 'release' });
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    const done = await rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') });
    expect(done).toMatchObject({ flushed: false, markerFound: true });
    expect(await sentinels()).toEqual([true, true]);
    expect((await rollout.status()).inProgress).toBe(false);
  });

  it('says which server did not confirm the flush, and completes on a rerun once it answers', async () => {
    const flaky = await disposable();
    const servers = [pool.address(0), flaky.address];
    const rollout = coordinator({ servers });
    await rollout.begin({ release: 'v1.5.0' });
    await flaky.freeze();
    const error = await errorOf(rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') }));
    expect(error.code).toBe('ROLLOUT_FLUSH_INCOMPLETE');
    expect(error.details).toEqual([`${flaky.address}: no answer within 500 ms`]);
    flaky.thaw();
    // A frozen server may still run the flush it received once it thaws; either way a rerun completes.
    const sentinel = createCache({ servers: [flaky.address], prefix: 'sentinel' });
    await sentinel.set('late', true);
    expect(await rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') })).toMatchObject({
      flushed: true,
    });
    expect(await sentinel.get('late')).toBeUndefined();
    sentinel.close();
  });

  it('abort removes the marker without flushing', async () => {
    const rollout = coordinator();
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    expect((await rollout.abort()).every((server) => server.cleared)).toBe(true);
    expect((await rollout.status()).inProgress).toBe(false);
    expect(await sentinels()).toEqual([true, true]);
  });
});

describe('the confirmation rule', () => {
  const instance = fc.record({ id: fc.string({ minLength: 1 }), version: fc.constantFrom('v1', 'v2', 'v3') });

  it('confirms a rollout exactly when every instance, and at least one, reports the release', () => {
    fc.assert(
      fc.property(fc.array(instance, { maxLength: 8 }), fc.constantFrom('v1', 'v2'), (instances, release) => {
        const confirmed = unconfirmedInstances(release, instances).length === 0;
        expect(confirmed).toBe(instances.length > 0 && instances.every((item) => item.version === release));
      }),
    );
  });
});

describe('whether a manual flush may run', () => {
  const server = (reachable: boolean, release: string | null) => ({
    server: 'm:11211',
    reachable,
    marker: release ? { app: 'shop', stage: 'prod', release, startedAt: '2025-06-01T10:00:00Z' } : null,
  });
  const status = (servers: ReturnType<typeof server>[]): RolloutStatus => {
    const markers = servers.flatMap((item) => (item.marker ? [item.marker] : []));
    return {
      inProgress: markers.length > 0,
      marker: markers[0] ?? null,
      reachable: servers.filter((item) => item.reachable).length,
      servers,
    };
  };

  it('allows it with no rollout in progress', () => {
    expect(decideFlush(status([server(true, null), server(true, null)]))).toEqual({ allowed: true });
  });

  it('refuses it during a rollout, naming the release, unless forced', () => {
    const during = status([server(true, 'v1.5.0'), server(false, null)]);
    const refused = decideFlush(during);
    expect(refused).toMatchObject({ allowed: false, code: 'CACHE_ROLLOUT_IN_PROGRESS' });
    expect(!refused.allowed && refused.message).toContain('v1.5.0');
    expect(decideFlush(during, { force: true })).toMatchObject({
      allowed: true,
      warning: expect.stringContaining('v1.5.0'),
    });
  });

  it('refuses it, even forced, when no server answers', () => {
    expect(decideFlush(status([server(false, null)]), { force: true })).toMatchObject({
      allowed: false,
      code: 'CACHE_UNREACHABLE',
    });
  });
});
