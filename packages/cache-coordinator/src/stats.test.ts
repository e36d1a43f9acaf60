import { describe, expect, it } from 'vitest';
import { useDisposableMemcached } from '../test/memcached.js';
import { createCache } from './client.js';
import { collectCacheStats, summarizeStats } from './stats.js';

const startServer = useDisposableMemcached();

describe('stats of every server', () => {
  it('reports items, hit ratio and evictions of a live server', async () => {
    const server = await startServer();
    const cache = createCache({ servers: [server.address], prefix: 'stats' });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.get('a'); // hit
    await cache.get('a'); // hit
    await cache.get('b'); // hit
    await cache.get('nope'); // miss
    cache.close();
    const [stats] = await collectCacheStats([server.address]);
    expect(stats).toMatchObject({
      server: server.address,
      up: true,
      items: 2,
      hits: 3,
      misses: 1,
      hitRatio: 0.75,
      evictions: 0,
      version: expect.stringMatching(/^\d+\.\d+/),
    });
  });

  it.each([
    ['stopped', async (server: Awaited<ReturnType<typeof startServer>>) => server.stop()],
    ['frozen', async (server: Awaited<ReturnType<typeof startServer>>) => server.freeze()],
  ])('reports a %s server down within the timeout, and the others in full', async (_name, stop) => {
    const [live, dead] = await Promise.all([startServer(), startServer()]);
    await stop(dead);
    const started = Date.now();
    const stats = await collectCacheStats([dead.address, live.address], { timeoutMs: 1_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(stats[0]).toMatchObject({ server: dead.address, up: false, error: expect.any(String) });
    expect(stats[1]).toMatchObject({ server: live.address, up: true, items: 0, hitRatio: null });
    dead.thaw();
  });
});

describe('summarizeStats', () => {
  it('computes the hit ratio, and null before any get', () => {
    expect(
      summarizeStats({ get_hits: '90', get_misses: '10', curr_items: '5', evictions: '3' }),
    ).toMatchObject({
      hitRatio: 0.9,
      items: 5,
      evictions: 3,
    });
    expect(summarizeStats({ get_hits: '0', get_misses: '0' }).hitRatio).toBeNull();
    expect(summarizeStats({}).hitRatio).toBeNull();
  });

  it('ignores figures that are missing or not numbers', () => {
    expect(summarizeStats({ curr_items: 'n/a' })).toEqual({ hitRatio: null });
  });
});
