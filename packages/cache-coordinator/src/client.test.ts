import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { isReletanError } from '@reletan/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useDisposableMemcached, useMemcached } from '../test/memcached.js';
import { type Cache, type CacheDegradedEvent, createCache } from './client.js';
import type { MemjsModule } from './memjs.js';
import { collectCacheStats } from './stats.js';

const memjs = createRequire(import.meta.url)('memjs') as typeof import('memjs');
const pool = useMemcached(2);
const one = {
  get address() {
    return pool.address(0);
  },
};
const two = {
  get address() {
    return pool.address(1);
  },
};
const disposable = useDisposableMemcached();

const open: Cache[] = [];
afterEach(() => {
  for (const cache of open.splice(0)) cache.close();
});

function cache(options: Partial<Parameters<typeof createCache>[0]> = {}) {
  const created = createCache({ servers: [one.address], prefix: 'shop.r-v1', ...options });
  open.push(created);
  return created;
}

/** A raw memjs client on one server: what another app, or Laravel, sees. */
function raw(address: string) {
  const client = memjs.Client.create(address, { logger: { log: () => {} } });
  return {
    get: async (key: string) => (await client.get(key)).value?.toString() ?? null,
    set: (key: string, value: string) => client.set(key, value, {}),
    close: () => client.close(),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('get, set, delete', () => {
  it('stores JSON values under the prefix and reads them back', async () => {
    const client = cache();
    expect(await client.set('product:1', { id: 1, price: { amount: 1200, currency: 'JPY' } })).toBe(true);
    expect(await client.get('product:1')).toEqual({ id: 1, price: { amount: 1200, currency: 'JPY' } });
    expect(await client.set('flag', false)).toBe(true);
    expect(await client.get('flag')).toBe(false);
    expect(await client.set('nothing', null)).toBe(true);
    expect(await client.get('nothing')).toBeNull();
    const other = raw(one.address);
    try {
      expect(await other.get('shop.r-v1:product:1')).toBe(
        'rlt:j1:{"id":1,"price":{"amount":1200,"currency":"JPY"}}',
      );
    } finally {
      other.close();
    }
  });

  it('keeps two prefixes apart on the same server', async () => {
    const v1 = cache({ prefix: 'shop.r-v1' });
    const v2 = cache({ prefix: 'shop.r-v2' });
    await v1.set('product:2', 'old');
    expect(await v2.get('product:2')).toBeUndefined();
    await v2.set('product:2', 'new');
    expect(await v1.get('product:2')).toBe('old');
  });

  it('is a miss for a key never set, and after delete', async () => {
    const client = cache();
    expect(await client.get('never-set')).toBeUndefined();
    await client.set('gone', 1);
    expect(await client.delete('gone')).toBe(true);
    expect(await client.get('gone')).toBeUndefined();
    expect(await client.delete('gone')).toBe(true);
  });

  it('expires entries after their ttlSeconds', async () => {
    const client = cache({ ttlSeconds: 1 });
    await client.set('short', 'lived');
    await client.set('long', 'lived', { ttlSeconds: 60 });
    expect(await client.get('short')).toBe('lived');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await client.get('short')).toBeUndefined();
    expect(await client.get('long')).toBe('lived');
  });

  it('stores long, spaced and non-ASCII keys under a hashed memcached key', async () => {
    const client = cache();
    const keys = ['k'.repeat(400), 'search:red shoes', 'ユーザー:42', 'tab\tand\nnewline'];
    for (const [index, key] of keys.entries()) expect(await client.set(key, index)).toBe(true);
    for (const [index, key] of keys.entries()) expect(await client.get(key)).toBe(index);
    expect(client.keyFor(keys[0] as string)).toMatch(/^shop\.r-v1~[A-Za-z0-9_-]{43}$/);
  });

  it('rejects an empty key or a value JSON cannot hold, as the caller’s bug', async () => {
    const client = cache();
    const emptyKey = await rejection(client.get(''));
    expect(isReletanError(emptyKey) && emptyKey.code).toBe('CACHE_KEY_INVALID');
    const badValue = await rejection(client.set('k', undefined));
    expect(isReletanError(badValue) && badValue.code).toBe('CACHE_VALUE_INVALID');
    expect(() => createCache({ servers: [one.address], prefix: 'has space' })).toThrow(
      /invalid cache prefix/,
    );
    expect(() => createCache({ servers: [], prefix: 'p' })).toThrow(/no memcached servers/);
    expect(() => createCache({ servers: [one.address], prefix: 'reletan-rollout' })).toThrow(/reserved/);
  });
});

describe('foreign and corrupt entries are misses', () => {
  it.each([
    ['a PHP-serialised value', 'a:1:{s:5:"price";i:1200;}', 'foreign'],
    ['untagged JSON', '{"price":1200}', 'foreign'],
    ['a tagged but truncated value', 'rlt:j1:{"price":', 'undecodable'],
  ] as const)('reads %s as a miss, reports it, and getOrSet replaces it', async (_name, stored, reason) => {
    const events: CacheDegradedEvent[] = [];
    const client = cache({ onDegraded: (event) => events.push(event) });
    const other = raw(one.address);
    try {
      await other.set(client.keyFor('product:9'), stored);
      expect(await client.get('product:9')).toBeUndefined();
      expect(events).toEqual([
        expect.objectContaining({ operation: 'get', key: 'product:9', reason, server: one.address }),
      ]);
      expect(await client.getOrSet('product:9', () => ({ price: { amount: 1 } }))).toEqual({
        price: { amount: 1 },
      });
      expect(await client.get('product:9')).toEqual({ price: { amount: 1 } });
    } finally {
      other.close();
    }
  });
});

describe('getOrSet', () => {
  it('computes on a miss, stores, and serves the stored value afterwards', async () => {
    const client = cache();
    let computed = 0;
    const compute = async () => {
      computed++;
      return { total: 42 };
    };
    expect(await client.getOrSet('report', compute)).toEqual({ total: 42 });
    expect(await client.getOrSet('report', compute)).toEqual({ total: 42 });
    expect(computed).toBe(1);
  });

  it('returns a computed undefined ("not found") without storing it, and computes again next time', async () => {
    const client = cache();
    let computed = 0;
    const lookUp = () => {
      computed++;
      return undefined;
    };
    expect(await client.getOrSet('no-such-product', lookUp)).toBeUndefined();
    expect(await client.getOrSet('no-such-product', lookUp)).toBeUndefined();
    expect(computed).toBe(2);
    expect(await client.get('no-such-product')).toBeUndefined();
  });

  it('lets the computation’s error through, storing nothing', async () => {
    const client = cache();
    await expect(
      client.getOrSet('broken', () => {
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
    expect(await client.get('broken')).toBeUndefined();
  });
});

describe('several servers', () => {
  it('spreads keys over every server by consistent hashing', async () => {
    const client = cache({ servers: [one.address, two.address], prefix: 'spread' });
    const before = await collectCacheStats([one.address, two.address]);
    const keys = Array.from({ length: 200 }, (_, index) => `item:${index}`);
    await Promise.all(keys.map((key) => client.set(key, key)));
    const after = await collectCacheStats([one.address, two.address]);
    const added = after.map((stats, index) => (stats.items ?? 0) - (before[index]?.items ?? 0));
    expect(added[0]).toBe(keys.filter((key) => client.serverFor(key) === one.address).length);
    expect(added[1]).toBe(keys.filter((key) => client.serverFor(key) === two.address).length);
    expect(Math.min(...added)).toBeGreaterThan(40);
    for (const key of keys) expect(await client.get(key)).toBe(key);
  });

  it('does not fail over by default: a dead server’s keys are misses, and no other server stores them', async () => {
    const dead = await disposable();
    await dead.stop();
    const client = cache({ servers: [one.address, dead.address], prefix: 'nofailover', timeoutMs: 300 });
    const keys = Array.from({ length: 40 }, (_, index) => `k${index}`).filter(
      (key) => client.serverFor(key) === dead.address,
    );
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(await client.set(key, 1)).toBe(false);
    for (const key of keys) expect(await client.get(key)).toBeUndefined();
    const other = raw(one.address);
    try {
      for (const key of keys) expect(await other.get(client.keyFor(key))).toBeNull();
    } finally {
      other.close();
    }
  });

  it('fails over to the next server when asked to', async () => {
    const dead = await disposable();
    await dead.stop();
    const client = cache({
      servers: [dead.address, one.address],
      prefix: 'failover',
      failover: true,
      timeoutMs: 300,
    });
    const key = Array.from({ length: 40 }, (_, index) => `k${index}`).find(
      (candidate) => client.serverFor(candidate) === dead.address,
    ) as string;
    expect(await client.set(key, 'moved')).toBe(true);
    expect(await client.get(key)).toBe('moved');
  });
});

describe('timeouts', () => {
  /** A memjs stand-in whose requests are never answered, as with a hung connection. */
  const silentMemjs = {
    Server: memjs.Server,
    Client: class {
      servers = [];
      get() {}
      set() {}
      delete() {}
      close() {}
    },
  } as unknown as MemjsModule;

  it('turns an operation that memjs never answers into a miss after timeoutMs', async () => {
    const events: CacheDegradedEvent[] = [];
    const client = cache({ memjs: silentMemjs, timeoutMs: 80, onDegraded: (event) => events.push(event) });
    const started = Date.now();
    const [got, stored, deleted] = await Promise.all([
      client.get('a'),
      client.set('b', 1),
      client.delete('c'),
    ]);
    expect([got, stored, deleted]).toEqual([undefined, false, false]);
    expect(Date.now() - started).toBeLessThan(500);
    expect(events.map((event) => [event.operation, event.reason])).toEqual([
      ['get', 'timeout'],
      ['set', 'timeout'],
      ['delete', 'timeout'],
    ]);
  });

  it('still times out when the wall clock steps back (an NTP correction) while an operation waits', async () => {
    // Only Date is faked: timers run for real, and the wall clock can be stepped.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const client = cache({ memjs: silentMemjs, timeoutMs: 80 });
      const started = performance.now();
      const pending = client.get('a');
      vi.setSystemTime(Date.now() - 3_600_000);
      expect(await pending).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      vi.useRealTimers();
    }
  }, 2_000);

  it('fails only the connection a timed-out operation used, not the one close() made way for', async () => {
    const failed: string[] = [];
    let clients = 0;
    // First connection: never answers. Second: answers after 75 ms.
    const standIn = {
      Server: memjs.Server,
      Client: class {
        readonly name = `connection ${++clients}`;
        readonly servers = [{ error: () => failed.push(this.name) }];
        server() {
          return this.servers[0];
        }
        get(_key: string, callback: (error: null, value: Buffer) => void) {
          if (this.name === 'connection 2')
            setTimeout(() => callback(null, Buffer.from('rlt:j1:"fresh"')), 75);
        }
        close() {}
      },
    } as unknown as MemjsModule;
    const client = cache({ memjs: standIn, timeoutMs: 100 });
    const stale = client.get('a');
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // In flight on the second connection when the first operation's deadline passes.
    const fresh = client.get('b');
    expect(await stale).toBeUndefined();
    expect(await fresh).toBe('fresh');
    expect(failed).toEqual(['connection 1']);
  });

  it('survives an onDegraded observer that throws', async () => {
    const client = cache({
      memjs: silentMemjs,
      timeoutMs: 30,
      onDegraded: () => {
        throw new Error('observer bug');
      },
    });
    expect(await client.get('a')).toBeUndefined();
  });
});

describe('closing', () => {
  const built = new URL('../dist/index.js', import.meta.url).href;

  /**
   * Runs `body` in a fresh Node process with a client on `address`, closes the client, and reports
   * how long the process lived after close(): anything that keeps it alive shows up here.
   */
  async function exitAfterClose(address: string, body: string): Promise<{ ms: number; output: string }> {
    const script = `
      import { createCache } from ${JSON.stringify(built)};
      const cache = createCache({ servers: [${JSON.stringify(address)}], prefix: 'closing', timeoutMs: 200 });
      ${body}
      cache.close();
      process.stdout.write('closed\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let closedAt: number | undefined;
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (closedAt === undefined && output.includes('closed')) closedAt = performance.now();
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = await new Promise<boolean>((resolve) => {
      const giveUp = setTimeout(() => resolve(false), 8_000);
      child.once('exit', () => {
        clearTimeout(giveUp);
        resolve(true);
      });
    });
    if (!exited) child.kill('SIGKILL');
    return {
      ms: exited && closedAt !== undefined ? performance.now() - closedAt : Number.POSITIVE_INFINITY,
      output,
    };
  }

  it('lets the process exit at once after a read from a frozen server timed out', async () => {
    const frozen = await disposable();
    await frozen.freeze();
    try {
      const result = await exitAfterClose(
        frozen.address,
        "if ((await cache.get('a')) !== undefined) throw new Error('expected a miss');",
      );
      expect(result.output).toBe('closed\n');
      expect(result.ms).toBeLessThan(1_000);
    } finally {
      frozen.thaw();
    }
  });

  it('leaves no socket open after many concurrent timeouts on a frozen server', async () => {
    const frozen = await disposable();
    await frozen.freeze();
    try {
      const result = await exitAfterClose(
        frozen.address,
        `for (let round = 0; round < 3; round++) {
          await Promise.all(Array.from({ length: 20 }, (_, index) => cache.get('k' + index)));
        }`,
      );
      expect(result.output).toBe('closed\n');
      expect(result.ms).toBeLessThan(1_000);
    } finally {
      frozen.thaw();
    }
  });

  it('still answers what was sent before close() on a live server, then exits', async () => {
    const result = await exitAfterClose(
      one.address,
      `await cache.set('sent', 1);
      const pending = cache.get('sent');
      pending.then((value) => process.stdout.write('read ' + value + '\\n'));`,
    );
    expect(result.output).toBe('closed\nread 1\n');
    expect(result.ms).toBeLessThan(1_000);
  });
});
