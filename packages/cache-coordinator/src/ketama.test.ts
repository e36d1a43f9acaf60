import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHashRing } from './ketama.js';

const serverList = (count: number, base = 11211) =>
  Array.from({ length: count }, (_, index) => `10.0.0.${index + 1}:${base + index}`);
const keySet = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 300, maxLength: 600 });

describe('consistent hashing', () => {
  it('sends every key to one server, the same one every time', () => {
    const ring = createHashRing(serverList(3));
    fc.assert(
      fc.property(fc.string(), (key) => {
        const server = ring.serverFor(key);
        expect(server).toBeGreaterThanOrEqual(0);
        expect(server).toBeLessThan(3);
        expect(createHashRing(serverList(3)).serverFor(key)).toBe(server);
      }),
    );
  });

  it('moves keys only to a server that is added, and few of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), keySet, (count, keys) => {
        const before = createHashRing(serverList(count));
        const after = createHashRing(serverList(count + 1));
        const added = count; // the new server's index
        let moved = 0;
        for (const key of keys) {
          const from = before.servers[before.serverFor(key)];
          const to = after.servers[after.serverFor(key)];
          if (from !== to) {
            moved++;
            expect(after.serverFor(key)).toBe(added);
          }
        }
        // Ideal: 1/(n+1) of the keys. memjs's default (hash % n) moves about n/(n+1) of them.
        expect(moved / keys.length).toBeLessThan(2 / (count + 1));
      }),
      { numRuns: 30 },
    );
  });

  it('moves only the keys of a server that is removed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.nat(), keySet, (count, pick, keys) => {
        const servers = serverList(count);
        const removed = servers[pick % count] as string;
        const before = createHashRing(servers);
        const after = createHashRing(servers.filter((server) => server !== removed));
        for (const key of keys) {
          const from = before.servers[before.serverFor(key)];
          if (from !== removed) expect(after.servers[after.serverFor(key)]).toBe(from);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('spreads keys evenly enough over the servers', () => {
    const ring = createHashRing(serverList(4));
    const counts = new Map<number, number>();
    for (let index = 0; index < 20_000; index++) {
      const server = ring.serverFor(`product:${index}`);
      counts.set(server, (counts.get(server) ?? 0) + 1);
    }
    expect(counts.size).toBe(4);
    for (const count of counts.values()) expect(count / 20_000).toBeGreaterThan(0.15);
  });

  it('puts a key on the server the hashring package (libketama compatible) chooses', () => {
    const HashRing = createRequire(import.meta.url)('hashring') as new (
      servers: string[],
    ) => { ring: { server: string }[]; find(hash: number): number; hashValue(key: string): number };
    // The package's own get() caches in a plain object, so keys such as "constructor" hit
    // Object.prototype and come back wrong; its uncached lookup is the oracle.
    const oracleServer = (oracle: InstanceType<typeof HashRing>, key: string) =>
      oracle.ring[oracle.find(oracle.hashValue(key))]?.server;
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.array(
          fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('constructor', '__proto__', 'toString')),
          {
            maxLength: 200,
          },
        ),
        (count, keys) => {
          const servers = serverList(count);
          const oracle = new HashRing(servers);
          const ring = createHashRing(servers);
          for (const key of keys) expect(servers[ring.serverFor(key)]).toBe(oracleServer(oracle, key));
        },
      ),
      { numRuns: 40 },
    );
  });
});
