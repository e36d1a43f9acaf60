import { createRequire } from 'node:module';
import { isReletanError } from '@reletan/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { useDisposableMemcached, useMemcached } from '../test/memcached.js';
import { createCache } from './client.js';
import { flushKeepingRollouts, flushServers } from './flush.js';
import type { MemjsModule } from './memjs.js';
import {
  createRolloutCoordinator,
  decideFlush,
  type RolloutStatus,
  readRolloutStatus,
  unconfirmedInstances,
} from './rollout.js';
import { ROLLOUT_REGISTRY_KEY, type RolloutMarker } from './rollout-registry.js';
import { parseServerList } from './servers.js';

const memjs = createRequire(import.meta.url)('memjs') as typeof import('memjs');
const pool = useMemcached(2);
const disposable = useDisposableMemcached();
const STARTED = new Date('2025-06-01T10:00:00Z');
const clock = () => STARTED;
let stageCounter = 0;

/** A raw memjs client on one server: what another app, or Laravel, sees. */
function raw(address: string) {
  return memjs.Client.create(address, { logger: { log: () => {} } });
}

// Every server keeps one registry for all rollouts: each test starts from an empty one.
afterEach(async () => {
  for (const address of pool.addresses()) {
    const client = raw(address);
    await client.delete(ROLLOUT_REGISTRY_KEY);
    client.close();
  }
});

/** A coordinator for a stage of its own. */
function coordinator(options: Partial<Parameters<typeof createRolloutCoordinator>[0]> = {}) {
  stageCounter++;
  return createRolloutCoordinator({
    servers: pool.addresses(),
    app: 'shop',
    stage: `stage${stageCounter}`,
    strategy: 'flush-after-rollout',
    timeoutMs: 500,
    now: clock,
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

const listed = (status: RolloutStatus) =>
  status.rollouts.map((rollout) => `${rollout.app}/${rollout.stage} ${rollout.release} ${rollout.state}`);

describe('begin and status', () => {
  it('lists the rollout on every server, visible to any machine', async () => {
    const rollout = coordinator();
    const begun = await rollout.begin({ release: 'v1.5.0' });
    expect(begun.servers.map((server) => server.written)).toEqual([true, true]);
    expect(begun.replaced).toBeNull();
    // Another machine, knowing only the servers, sees it.
    const status = await readRolloutStatus(pool.addresses(), { now: clock });
    expect(status.inProgress).toBe(true);
    const marker: RolloutMarker = {
      app: 'shop',
      stage: `stage${stageCounter}`,
      release: 'v1.5.0',
      startedAt: '2025-06-01T10:00:00.000Z',
      expiresAt: '2025-06-01T12:00:00.000Z',
      state: 'rolling',
    };
    expect(status.rollouts).toEqual([marker]);
    expect(status.servers.map((server) => server.rollouts)).toEqual([[marker], [marker]]);
  });

  it('reports the rollout of an earlier release it replaces, from the same round trip', async () => {
    const rollout = coordinator();
    await rollout.begin({ release: 'v1.5.0' });
    const again = await rollout.begin({ release: 'v1.6.0' });
    expect(again.replaced?.release).toBe('v1.5.0');
    const status = await rollout.status();
    expect(status.rollouts.map((marker) => marker.release)).toEqual(['v1.6.0']);
  });

  it('lists rollouts of several apps and stages side by side, begun at the same time', async () => {
    const rollouts = Array.from({ length: 8 }, (_, index) =>
      coordinator({ app: index % 2 ? 'shop' : 'blog', stage: `parallel${index}` }),
    );
    // Every begin reads and rewrites the same key on both servers: none may lose another's entry.
    await Promise.all(rollouts.map((rollout) => rollout.begin({ release: 'v2' })));
    const status = await readRolloutStatus(pool.addresses(), { now: clock });
    expect(status.rollouts).toHaveLength(8);
    for (const server of status.servers) expect(server.rollouts).toHaveLength(8);
    await Promise.all(rollouts.slice(0, 4).map((rollout) => rollout.abort()));
    const left = (await readRolloutStatus(pool.addresses(), { now: clock })).rollouts;
    expect(left.map((rollout) => rollout.stage).sort()).toEqual([
      'parallel4',
      'parallel5',
      'parallel6',
      'parallel7',
    ]);
  });

  it('expires the registry after the TTL when nobody completes the rollout', async () => {
    const rollout = coordinator({ markerTtlSeconds: 1, now: () => new Date() });
    await rollout.begin({ release: 'v1.5.0' });
    expect((await rollout.status()).inProgress).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await rollout.status()).inProgress).toBe(false);
  });

  it('drops an expired rollout even while another keeps the registry alive', async () => {
    let now = STARTED.getTime();
    const time = () => new Date(now);
    const short = coordinator({ stage: 'short', markerTtlSeconds: 60, now: time });
    const long = coordinator({ stage: 'long', now: time });
    await short.begin({ release: 'v1' });
    await long.begin({ release: 'v1' });
    now += 2 * 60_000;
    const status = await readRolloutStatus(pool.addresses(), { now: time });
    expect(status.rollouts.map((rollout) => rollout.stage)).toEqual(['long']);
  });

  it('still sees the rollout when one server is down', async () => {
    const down = await disposable();
    const servers = [pool.address(0), down.address];
    const rollout = coordinator({ servers });
    await rollout.begin({ release: 'v1.5.0' });
    await down.stop();
    const status = await rollout.status();
    expect(status).toMatchObject({ inProgress: true, reachable: 1 });
    expect(status.servers[1]).toMatchObject({ reachable: false, rollouts: [] });
  });

  it.each([
    [31 * 24 * 60 * 60, 'more than 30 days (memcached would read it as a date in 1970)'],
    [0, 'zero'],
    [1.5, 'a fraction'],
  ])('refuses a markerTtlSeconds of %s: %s', (markerTtlSeconds) => {
    let thrown: unknown;
    try {
      coordinator({ markerTtlSeconds });
    } catch (error) {
      thrown = error;
    }
    expect(isReletanError(thrown) && [thrown.code, thrown.kind]).toEqual(['CACHE_OPTION_INVALID', 'usage']);
    expect(isReletanError(thrown) && thrown.message).toContain('markerTtlSeconds');
  });

  it('keeps a rollout listed for up to 30 days when asked', async () => {
    const rollout = coordinator({ markerTtlSeconds: 30 * 24 * 60 * 60, now: () => new Date() });
    await rollout.begin({ release: 'v1.5.0' });
    expect((await rollout.status()).inProgress).toBe(true);
  });

  it('fails when no server takes the rollout', async () => {
    const down = await disposable();
    await down.stop();
    const error = await errorOf(coordinator({ servers: [down.address] }).begin({ release: 'v1.5.0' }));
    expect(error.code).toBe('ROLLOUT_MARKER_UNWRITTEN');
  });

  it('counts an unreadable value at the registry key as a rollout in progress', async () => {
    const client = raw(pool.address(0));
    await client.set(ROLLOUT_REGISTRY_KEY, 'garbage', {});
    client.close();
    const status = await readRolloutStatus(pool.addresses());
    expect(status.inProgress).toBe(true);
    expect(decideFlush(status)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('unreadable'),
    });
  });
});

describe('refresh, while the deployer polls', () => {
  it('keeps a long rollout listed past its TTL', async () => {
    let now = STARTED.getTime();
    const time = () => new Date(now);
    const refreshed = coordinator({ stage: 'refreshed', markerTtlSeconds: 600, now: time });
    const idle = coordinator({ stage: 'idle', markerTtlSeconds: 600, now: time });
    await refreshed.begin({ release: 'v1.5.0' });
    await idle.begin({ release: 'v1.5.0' });
    for (let minute = 0; minute < 30; minute += 5) {
      now += 5 * 60_000;
      const result = await refreshed.refresh({ release: 'v1.5.0' });
      expect(result.servers.map((server) => [server.refreshed, server.restored])).toEqual([
        [true, false],
        [true, false],
      ]);
    }
    const status = await readRolloutStatus(pool.addresses(), { now: time });
    expect(status.rollouts).toEqual([
      expect.objectContaining({
        stage: 'refreshed',
        state: 'rolling',
        startedAt: STARTED.toISOString(),
        expiresAt: new Date(now + 600_000).toISOString(),
      }),
    ]);
  });

  it('lists the rollout again on a server that lost it (restarted, evicted, or down at begin)', async () => {
    const rollout = coordinator({ stage: 'restored' });
    await rollout.begin({ release: 'v1.5.0' });
    const client = raw(pool.address(0));
    await client.delete(ROLLOUT_REGISTRY_KEY);
    client.close();
    const result = await rollout.refresh({ release: 'v1.5.0' });
    expect(result.servers.map((server) => server.restored)).toEqual([true, false]);
    const status = await rollout.status();
    expect(status.servers.map((server) => server.rollouts.map((listed) => listed.startedAt))).toEqual([
      [STARTED.toISOString()],
      [STARTED.toISOString()],
    ]);
  });

  it('leaves alone a rollout of another release of the stage, and says so', async () => {
    await coordinator({ stage: 'superseded' }).begin({ release: 'v1.6.0' });
    const error = await errorOf(
      createRolloutCoordinator({
        servers: pool.addresses(),
        app: 'shop',
        stage: 'superseded',
        strategy: 'release',
        now: clock,
      }).refresh({ release: 'v1.5.0' }),
    );
    expect(error.code).toBe('ROLLOUT_MARKER_UNWRITTEN');
    expect(error.details?.[0]).toContain('lists a rollout of v1.6.0');
    expect(listed(await readRolloutStatus(pool.addresses(), { now: clock }))).toEqual([
      'shop/superseded v1.6.0 rolling',
    ]);
  });
});

describe('one registry per server, whatever the app or stage', () => {
  it('refuses a manual flush of another stage on the same servers while a rollout is in progress', async () => {
    await coordinator({ app: 'shop', stage: 'prod' }).begin({ release: 'v1.5.0' });
    // `reletan cache flush staging` reads the servers of staging: the same ones.
    const decision = decideFlush(await readRolloutStatus(pool.addresses(), { now: clock }));
    expect(decision).toMatchObject({ allowed: false, code: 'CACHE_ROLLOUT_IN_PROGRESS' });
    expect(!decision.allowed && decision.message).toContain('a rollout of v1.5.0 (shop/prod, started');
  });

  it('refuses another app’s flush after its rollout while one is in progress, flushing nothing', async () => {
    const prod = coordinator({ app: 'shop', stage: 'prod', strategy: 'release' });
    const blog = coordinator({ app: 'blog', stage: 'prod' });
    await prod.begin({ release: 'v1.5.0' });
    await blog.begin({ release: 'v3' });
    const sentinels = await plantSentinels();
    const error = await errorOf(blog.complete({ release: 'v3', instances: allOn('v3') }));
    expect(error.code).toBe('CACHE_ROLLOUT_IN_PROGRESS');
    expect(error.message).toContain('a rollout of v1.5.0 (shop/prod');
    expect(await sentinels()).toEqual([true, true]);
    // shop's rollout is still listed; blog's now waits for its flush, and blocks no one.
    expect(listed(await prod.status())).toEqual(['shop/prod v1.5.0 rolling', 'blog/prod v3 flush-pending']);
    await prod.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') });
    expect(await blog.complete({ release: 'v3', instances: allOn('v3') })).toMatchObject({ flushed: true });
    expect((await prod.status()).rollouts).toEqual([]);
  });

  it('lets two apps finishing together both flush: neither waits on the other forever', async () => {
    const shop = coordinator({ app: 'shop', stage: 'prod' });
    const blog = coordinator({ app: 'blog', stage: 'prod' });
    await shop.begin({ release: 'v1.5.0' });
    await blog.begin({ release: 'v3' });
    expect((await errorOf(blog.complete({ release: 'v3', instances: allOn('v3') }))).code).toBe(
      'CACHE_ROLLOUT_IN_PROGRESS',
    );
    const sentinels = await plantSentinels();
    // blog waits for its flush: shop's flush goes ahead, and writes blog's entry back.
    expect(await shop.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') })).toMatchObject({
      flushed: true,
    });
    expect(await sentinels()).toEqual([false, false]);
    expect(listed(await shop.status())).toEqual(['blog/prod v3 flush-pending']);
    expect(await blog.complete({ release: 'v3', instances: allOn('v3') })).toMatchObject({ flushed: true });
    expect((await shop.status()).rollouts).toEqual([]);
  });

  it('keeps the rollouts listed through any flush, a forced one included', async () => {
    await coordinator({ app: 'shop', stage: 'prod' }).begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    const flushed = await flushServers(pool.addresses(), { now: clock });
    expect(flushed.map((server) => [server.flushed, server.error])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    expect(await sentinels()).toEqual([false, false]);
    expect(listed(await readRolloutStatus(pool.addresses(), { now: clock }))).toEqual([
      'shop/prod v1.5.0 rolling',
    ]);
  });

  it('removes only the completed rollout from the servers it flushes', async () => {
    await coordinator({ app: 'shop', stage: 'prod' }).begin({ release: 'v1.5.0' });
    await coordinator({ app: 'blog', stage: 'prod' }).begin({ release: 'v3' });
    await flushKeepingRollouts(parseServerList(pool.addresses()), {
      timeoutMs: 500,
      now: clock,
      done: { app: 'blog', stage: 'prod' },
    });
    expect(listed(await readRolloutStatus(pool.addresses(), { now: clock }))).toEqual([
      'shop/prod v1.5.0 rolling',
    ]);
  });
});

describe('a server that does not answer', () => {
  it('refuses a manual flush when the rollout may be listed only there', async () => {
    const [a, b] = await Promise.all([disposable(), disposable()]);
    const servers = [a.address, b.address];
    // b was frozen when the deployer began: the rollout is listed on a only.
    await b.freeze();
    const begun = await coordinator({ servers, app: 'shop', stage: 'prod' }).begin({ release: 'v1.5.0' });
    expect(begun.servers.map((server) => server.written)).toEqual([true, false]);
    b.thaw();
    // Now a is the one that does not answer: b answers, with nothing listed.
    await a.freeze();
    try {
      const status = await readRolloutStatus(servers, { timeoutMs: 500, now: clock });
      expect(status).toMatchObject({ inProgress: false, reachable: 1 });
      expect(decideFlush(status)).toMatchObject({ allowed: false, code: 'CACHE_SERVER_UNREACHABLE' });
    } finally {
      a.thaw();
    }
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
    expect(listed(await rollout.status())).toEqual([`shop/stage${stageCounter} v1.6.0 rolling`]);
  });

  it('flushes every server once every instance runs the release (flush-after-rollout)', async () => {
    const rollout = coordinator();
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    const done = await rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') });
    expect(done).toMatchObject({ flushed: true, markerFound: true });
    expect(await sentinels()).toEqual([false, false]);
    expect((await rollout.status()).inProgress).toBe(false);
    expect((await rollout.status()).rollouts).toEqual([]);
  });

  it('only removes the rollout for the release and schema strategies', async () => {
    const rollout = coordinator({ strategy: 'release' });
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    const done = await rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') });
    expect(done).toMatchObject({ flushed: false, markerFound: true });
    expect(await sentinels()).toEqual([true, true]);
    expect((await rollout.status()).inProgress).toBe(false);
  });

  it('refuses to flush while a server does not answer, flushing nothing, and completes on a rerun', async () => {
    const flaky = await disposable();
    const servers = [pool.address(0), flaky.address];
    const rollout = coordinator({ servers });
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    await flaky.freeze();
    const error = await errorOf(rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') }));
    expect(error.code).toBe('CACHE_SERVER_UNREACHABLE');
    expect(error.details).toEqual([`${flaky.address}: no answer within 500 ms`]);
    expect(await sentinels()).toEqual([true, true]);
    flaky.thaw();
    const sentinel = createCache({ servers: [flaky.address], prefix: 'sentinel' });
    await sentinel.set('late', true);
    expect(await rollout.complete({ release: 'v1.5.0', instances: allOn('v1.5.0') })).toMatchObject({
      flushed: true,
    });
    expect(await sentinel.get('late')).toBeUndefined();
    sentinel.close();
  });

  it('says which server did not confirm the flush, and completes on a rerun once it answers', async () => {
    const flaky = pool.server(1);
    // memjs whose flush never reaches `flaky`: the server answers the registry, then not the flush.
    class FlushLostClient extends memjs.Client {}
    const flush = memjs.Client.prototype.flush;
    Object.assign(FlushLostClient.prototype, {
      flush(this: InstanceType<typeof memjs.Client>, callback: (error: Error | null) => void) {
        if (!this.servers.some((server) => server.port === flaky.port)) flush.call(this, callback);
      },
    });
    const flushLost = { Server: memjs.Server, Client: FlushLostClient } as unknown as MemjsModule;
    const settings = { app: 'shop', stage: 'lost-flush' };
    await coordinator({ ...settings, memjs: flushLost }).begin({ release: 'v1.5.0' });
    const error = await errorOf(
      coordinator({ ...settings, memjs: flushLost }).complete({
        release: 'v1.5.0',
        instances: allOn('v1.5.0'),
      }),
    );
    expect(error.code).toBe('ROLLOUT_FLUSH_INCOMPLETE');
    expect(error.details).toEqual([`${flaky.address}: no answer within 500 ms`]);
    // The server that was not flushed still lists the rollout, awaiting its flush; a rerun finishes.
    expect((await readRolloutStatus([flaky.address], { now: clock })).rollouts).toMatchObject([
      { ...settings, state: 'flush-pending' },
    ]);
    const sentinels = await plantSentinels();
    expect(
      await coordinator(settings).complete({ release: 'v1.5.0', instances: allOn('v1.5.0') }),
    ).toMatchObject({ flushed: true });
    expect(await sentinels()).toEqual([false, false]);
  });

  it('abort removes the rollout without flushing', async () => {
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

describe('whether a flush may run', () => {
  const marker = (
    app: string,
    release: string,
    state: RolloutMarker['state'] = 'rolling',
  ): RolloutMarker => ({
    app,
    stage: 'prod',
    release,
    startedAt: '2025-06-01T10:00:00Z',
    expiresAt: '2025-06-01T12:00:00Z',
    state,
  });
  const server = (reachable: boolean, ...rollouts: RolloutMarker[]) => ({
    server: 'm:11211',
    reachable,
    rollouts,
  });
  const status = (servers: ReturnType<typeof server>[]): RolloutStatus => {
    const rollouts = servers.flatMap((item) => item.rollouts);
    return {
      inProgress: rollouts.some((rollout) => rollout.state === 'rolling'),
      rollouts,
      reachable: servers.filter((item) => item.reachable).length,
      servers,
    };
  };

  it('allows it with no rollout in progress', () => {
    expect(decideFlush(status([server(true), server(true)]))).toEqual({ allowed: true });
  });

  it('refuses it during a rollout, naming the release, unless forced', () => {
    const during = status([server(true, marker('shop', 'v1.5.0')), server(false)]);
    const refused = decideFlush(during);
    expect(refused).toMatchObject({ allowed: false, code: 'CACHE_ROLLOUT_IN_PROGRESS' });
    expect(!refused.allowed && refused.message).toContain('v1.5.0');
    expect(decideFlush(during, { force: true })).toMatchObject({
      allowed: true,
      warning: expect.stringContaining('v1.5.0'),
    });
  });

  it('ignores the rollout the flush completes, and rollouts that only wait for their flush', () => {
    const own = { app: 'shop', stage: 'prod' };
    expect(decideFlush(status([server(true, marker('shop', 'v1.5.0'))]), { own })).toEqual({ allowed: true });
    expect(decideFlush(status([server(true, marker('blog', 'v3', 'flush-pending'))]))).toEqual({
      allowed: true,
    });
    expect(
      decideFlush(status([server(true, marker('shop', 'v1.5.0'), marker('blog', 'v3'))]), { own }),
    ).toMatchObject({ allowed: false, message: expect.stringContaining('v3 (blog/prod') });
  });

  it('refuses it while a server does not answer (its registry is unknown), unless forced', () => {
    const blind = status([server(true), { ...server(false), server: 'down:11211' }]);
    expect(decideFlush(blind)).toMatchObject({
      allowed: false,
      code: 'CACHE_SERVER_UNREACHABLE',
      message: expect.stringContaining('down:11211 did not answer'),
    });
    expect(decideFlush(blind, { force: true })).toMatchObject({
      allowed: true,
      warning: expect.stringContaining('down:11211'),
    });
  });

  it('refuses it, even forced, when no server answers', () => {
    expect(decideFlush(status([server(false)]), { force: true })).toMatchObject({
      allowed: false,
      code: 'CACHE_UNREACHABLE',
    });
  });
});
