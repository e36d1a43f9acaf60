import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useDisposableMemcached } from '../test/memcached.js';
import { seededRandom, sleep } from '../test/random.js';
import { type Cache, type CacheDegradedEvent, createCache } from './client.js';
import type { MemcachedProcess } from './testing.js';

const TIMEOUT_MS = 250;
// Event-loop and scheduling slack on a busy 2-core CI machine; below one more timeout, so an operation
// that waited twice (a read, then a write to the same dead server) still fails the test.
const SLACK_MS = 240;

const startServer = useDisposableMemcached();

let unhandled: unknown[] = [];
const record = (error: unknown) => unhandled.push(error);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
});
afterEach(() => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
});

interface Op {
  key: string;
  kind: 'get' | 'set' | 'getOrSet' | 'delete';
  ms: number;
  /** What a get or getOrSet returned. */
  value?: unknown;
  /** Started after the server was stopped. */
  afterStop: boolean;
}

/** Eight workers hammering 120 keys with every operation until `until` resolves. */
async function workload(
  cache: Cache,
  keys: readonly string[],
  stopped: () => boolean,
  until: (ops: readonly Op[]) => Promise<void>,
) {
  const ops: Op[] = [];
  let running = true;
  const driver = until(ops).finally(() => {
    running = false;
  });
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      const random = seededRandom(worker + 1);
      while (running) {
        const key = keys[Math.floor(random() * keys.length)] as string;
        const roll = random();
        const afterStop = stopped();
        const started = performance.now();
        let op: Op;
        if (roll < 0.6) op = { key, kind: 'get', value: await cache.get(key), ms: 0, afterStop };
        else if (roll < 0.8)
          op = { key, kind: 'getOrSet', value: await cache.getOrSet(key, () => key), ms: 0, afterStop };
        else if (roll < 0.95) {
          await cache.set(key, key);
          op = { key, kind: 'set', ms: 0, afterStop };
        } else {
          await cache.delete(key);
          op = { key, kind: 'delete', ms: 0, afterStop };
        }
        op.ms = performance.now() - started;
        ops.push(op);
      }
    }),
  );
  await driver;
  return ops;
}

describe('two servers, one stopped mid-test', () => {
  let live: MemcachedProcess;
  let victim: MemcachedProcess;
  let cache: Cache;
  let events: CacheDegradedEvent[];
  let keys: string[];

  beforeEach(async () => {
    [live, victim] = await Promise.all([startServer(), startServer()]);
    events = [];
    cache = createCache({
      servers: [live.address, victim.address],
      prefix: 'degraded',
      timeoutMs: TIMEOUT_MS,
      onDegraded: (event) => events.push(event),
    });
    keys = Array.from({ length: 120 }, (_, index) => `product:${index}`);
    await Promise.all(keys.map((key) => cache.set(key, key)));
    for (const key of keys) expect(await cache.get(key)).toBe(key);
  });
  afterEach(async () => {
    cache.close();
    victim.thaw();
    await Promise.all([live.stop(), victim.stop()]);
  });

  const onVictim = (key: string) => cache.serverFor(key) === victim.address;

  it.each([
    ['killed (connections refused)', (server: MemcachedProcess) => server.stop(), ['error', 'timeout']],
    // Our deadline fails the server before memjs's own timeout could report an error instead.
    [
      'frozen (connections accepted, never answered)',
      (server: MemcachedProcess) => server.freeze(),
      ['timeout'],
    ],
  ])('degrades to misses within the timeout when a server is %s', async (_name, stopServer, reasons) => {
    let stopped = false;
    const ops = await workload(
      cache,
      keys,
      () => stopped,
      async (done) => {
        await sleep(300);
        await stopServer(victim);
        stopped = true;
        // Run until both kinds of read were seen often enough after the stop (slow machines take longer).
        const deadline = Date.now() + 15_000;
        const enough = () =>
          done.filter((op) => op.afterStop && onVictim(op.key) && op.kind === 'get').length >= 20 &&
          done.filter((op) => op.afterStop && !onVictim(op.key) && op.kind === 'get').length >= 20;
        while (!enough() && Date.now() < deadline) await sleep(50);
      },
    );

    expect(unhandled).toEqual([]);
    const after = ops.filter((op) => op.afterStop);
    const victimReads = after.filter((op) => onVictim(op.key) && op.kind !== 'set' && op.kind !== 'delete');
    const liveReads = after.filter((op) => !onVictim(op.key) && op.kind === 'get');
    expect(victimReads.length).toBeGreaterThanOrEqual(20);
    expect(liveReads.length).toBeGreaterThanOrEqual(20);

    // Every operation ended within the timeout, the stopped server's included.
    expect(Math.max(...ops.map((op) => op.ms))).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    // Its keys are misses (getOrSet still returns the computed value); the live server's keys still hit.
    for (const op of victimReads) expect(op.value === undefined || op.kind === 'getOrSet').toBe(true);
    for (const op of victimReads.filter((read) => read.kind === 'getOrSet')) expect(op.value).toBe(op.key);
    expect(liveReads.filter((op) => op.value === op.key).length).toBeGreaterThan(liveReads.length / 2);
    for (const op of liveReads) expect([undefined, op.key]).toContain(op.value);
    // Each degraded operation was reported, naming the stopped server.
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((event) => event.server))).toEqual(new Set([victim.address]));
    expect(new Set(events.map((event) => event.reason))).not.toContain('foreign');
    for (const event of events) expect(reasons).toContain(event.reason);
  });

  it('serves the frozen server’s keys again once it answers', async () => {
    const key = keys.find(onVictim) as string;
    await victim.freeze();
    expect(await cache.get(key)).toBeUndefined();
    victim.thaw();
    await sleep(50);
    expect(await cache.get(key)).toBe(key);
    expect(unhandled).toEqual([]);
  });
});
