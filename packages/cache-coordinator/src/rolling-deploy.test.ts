// A rolling deploy of a two-memcached app, simulated with real servers: four app instances, two
// workers each, hammer the cache while the rollout moves the instances from the old code to the new
// one, one by one. Old code caches a product with `price: 1200`; new code with `price: { amount,
// currency }` and breaks on the old shape (the production incident). Every read that meets the other
// version's format is counted. Each entry also records how many flushes had happened when it was
// written, so a read after a flush tells whether it found an entry written before or after it.
import { isReletanError } from '@reletan/core';
import { describe, expect, it } from 'vitest';
import { useMemcached } from '../test/memcached.js';
import { seededRandom, sleep } from '../test/random.js';
import { type Cache, createCache } from './client.js';
import { flushServers } from './flush.js';
import { type CacheStrategy, cachePrefix } from './prefix.js';
import { createRolloutCoordinator, decideFlush, readRolloutStatus } from './rollout.js';

type Version = 'old' | 'new';
const RELEASE: Record<Version, string> = { old: 'v1.4.0', new: 'v1.5.0' };
const SCHEMA: Record<Version, number> = { old: 1, new: 2 };

/** Each version's serializer: what it writes, and whether it can read what it finds. */
const formats: Record<Version, { write(id: number): object; reads(value: unknown): boolean }> = {
  old: {
    write: (id) => ({ id, price: 1200 }),
    reads: (value) => typeof (value as { price?: unknown }).price === 'number',
  },
  new: {
    write: (id) => ({ id, price: { amount: 1200, currency: 'JPY' } }),
    reads: (value) => typeof (value as { price?: unknown }).price === 'object',
  },
};

const INSTANCES = 4;
const WORKERS_PER_INSTANCE = 2;
const KEYS = 16;
/** Operations every worker completes in each phase before the rollout moves on. */
const OPS_PER_PHASE = 40;

interface Counts {
  hits: number;
  misses: number;
  /** Reads of an entry written by the other version. */
  crossReads: number;
}

interface Simulation {
  /** Per phase (0: everything old; k: k instances new), per reading version. */
  phases: Record<Version, Counts>[];
  crossReads: { newReadOld: number; oldReadNew: number };
  /**
   * New code reading an old-format entry after the first flush: for each, how many flushes had
   * happened when the entry was written, and when the read started.
   */
  newReadOldAfterAFlush: { writtenAfterFlush: number; readAfterFlush: number }[];
}

interface RolloutPlan {
  /** The prefix each version's code uses. */
  prefix(version: Version): string;
  /**
   * Called as an instance switches to the new code; `flush` empties the servers (the naive deploy
   * hook's `cache:clear`), letting writes already sent land first so that each entry's flush count is exact.
   */
  onInstanceSwitched?(instance: number, flush: () => Promise<void>): Promise<void>;
  /** Called once every instance runs the new code; its phase is counted separately. */
  onRolloutDone?(instances: Version[]): Promise<void>;
}

const pool = useMemcached(2);

async function simulate(plan: RolloutPlan): Promise<Simulation> {
  const servers = pool.addresses();
  await flushServers(servers);
  const caches: Record<Version, Cache> = {
    old: createCache({ servers, prefix: plan.prefix('old') }),
    new: createCache({ servers, prefix: plan.prefix('new') }),
  };
  const instances: Version[] = Array.from({ length: INSTANCES }, () => 'old');
  const emptyCounts = (): Record<Version, Counts> => ({
    old: { hits: 0, misses: 0, crossReads: 0 },
    new: { hits: 0, misses: 0, crossReads: 0 },
  });
  const phases = [emptyCounts()];
  const newReadOldAfterAFlush: Simulation['newReadOldAfterAFlush'] = [];
  let flushes = 0;
  const opsThisPhase = new Array<number>(INSTANCES * WORKERS_PER_INSTANCE).fill(0);
  let running = true;

  // Writes wait while a flush runs, and a flush waits for the writes already sent: a write is then
  // stamped with exactly the number of flushes that came before it.
  let writing = 0;
  let flushing: Promise<void> | undefined;
  let drained: (() => void) | undefined;
  const write = async (cache: Cache, key: string, value: (flushCount: number) => object) => {
    while (flushing) await flushing;
    writing++;
    try {
      await cache.set(key, value(flushes));
    } finally {
      writing--;
      if (writing === 0) drained?.();
    }
  };
  const flush = async () => {
    let reopen = () => {};
    flushing = new Promise((resolve) => {
      reopen = resolve;
    });
    while (writing > 0) await new Promise<void>((resolve) => (drained = resolve));
    try {
      const flushedServers = await flushServers(pool.addresses());
      expect(flushedServers.every((server) => server.flushed)).toBe(true);
      flushes++;
    } finally {
      drained = undefined;
      flushing = undefined;
      reopen();
    }
  };

  const worker = async (instance: number, index: number) => {
    const random = seededRandom(index + 7);
    while (running) {
      const version = instances[instance] as Version;
      const cache = caches[version];
      const id = Math.floor(random() * KEYS);
      const key = `product:${id}`;
      // An operation belongs to the phase it started in: a read sent just before the final flush may
      // complete after it, and must not be counted as a read after the flush.
      const counts = (phases[phases.length - 1] as Record<Version, Counts>)[version];
      const readAfterFlush = flushes;
      const value = await cache.get<{ flushes: number }>(key);
      if (value === undefined) {
        counts.misses++;
        await write(cache, key, (flushCount) => ({ ...formats[version].write(id), flushes: flushCount }));
      } else if (formats[version].reads(value)) {
        counts.hits++;
      } else {
        counts.crossReads++;
        if (version === 'new' && readAfterFlush > 0) {
          newReadOldAfterAFlush.push({ writtenAfterFlush: value.flushes, readAfterFlush });
        }
      }
      opsThisPhase[index] = (opsThisPhase[index] as number) + 1;
    }
  };
  const phaseDone = async () => {
    while (opsThisPhase.some((count) => count < OPS_PER_PHASE)) await sleep(2);
  };
  const nextPhase = () => {
    phases.push(emptyCounts());
    opsThisPhase.fill(0);
  };

  const workers = Array.from({ length: INSTANCES * WORKERS_PER_INSTANCE }, (_, index) =>
    worker(Math.floor(index / WORKERS_PER_INSTANCE), index),
  );
  try {
    await phaseDone();
    for (let instance = 0; instance < INSTANCES; instance++) {
      nextPhase();
      instances[instance] = 'new';
      await plan.onInstanceSwitched?.(instance, flush);
      await phaseDone();
    }
    if (plan.onRolloutDone) {
      await plan.onRolloutDone(instances);
      nextPhase();
      await phaseDone();
    }
  } finally {
    running = false;
    await Promise.all(workers);
    caches.old.close();
    caches.new.close();
  }
  const total = (version: Version) => phases.reduce((sum, phase) => sum + phase[version].crossReads, 0);
  return {
    phases,
    crossReads: { newReadOld: total('new'), oldReadNew: total('old') },
    newReadOldAfterAFlush,
  };
}

const prefixOf = (strategy: CacheStrategy, version: Version) =>
  cachePrefix({ strategy, app: 'shop', release: RELEASE[version], schemaVersion: SCHEMA[version] });

const sum = (simulation: Simulation, version: Version, field: keyof Counts) =>
  simulation.phases.reduce((total, phase) => total + phase[version][field], 0);

describe('a rolling deploy with a per-instance cache:clear (the incident)', () => {
  it('shows new code reading entries that old instances wrote back in the old format after a flush', async () => {
    const servers = pool.addresses();
    // The deployer marks the rollout; the naive hook flushes without asking, though it would be refused.
    const rollout = createRolloutCoordinator({ servers, app: 'shop', stage: 'prod', strategy: 'release' });
    await rollout.begin({ release: RELEASE.new });
    const refusals: string[] = [];
    try {
      const result = await simulate({
        prefix: (version) => prefixOf('flush-after-rollout', version),
        // What the deploy hook did: `artisan cache:clear` on each instance as it switched.
        onInstanceSwitched: async (_instance, flush) => {
          const decision = decideFlush(await readRolloutStatus(servers));
          if (!decision.allowed) refusals.push(decision.code);
          await flush();
        },
      });
      expect(refusals).toEqual(Array(INSTANCES).fill('CACHE_ROLLOUT_IN_PROGRESS'));
      expect(result.crossReads.newReadOld).toBeGreaterThan(0);
      // After a flush, new code still read old-format entries...
      expect(result.newReadOldAfterAFlush.length).toBeGreaterThan(0);
      // ...every one of them written after the latest flush before the read: old instances refilled
      // the emptied cache, and new ones read their entries (what made the flush useless).
      for (const read of result.newReadOldAfterAFlush) {
        expect(read.writtenAfterFlush).toBeGreaterThanOrEqual(read.readAfterFlush);
      }
    } finally {
      await rollout.abort();
    }
  });
});

describe.each([
  ['release', 'shop.r-v1.4.0', 'shop.r-v1.5.0'],
  ['schema', 'shop.s-1', 'shop.s-2'],
] as const)('a rolling deploy with the %s strategy', (strategy, oldPrefix, newPrefix) => {
  it('shows zero cross-version reads, while both versions use a warm cache', async () => {
    expect([prefixOf(strategy, 'old'), prefixOf(strategy, 'new')]).toEqual([oldPrefix, newPrefix]);
    const result = await simulate({ prefix: (version) => prefixOf(strategy, version) });
    expect(result.crossReads).toEqual({ newReadOld: 0, oldReadNew: 0 });
    // The zero is not an empty cache's: both versions hit their own entries throughout.
    expect(sum(result, 'old', 'hits')).toBeGreaterThan(100);
    expect(sum(result, 'new', 'hits')).toBeGreaterThan(100);
    for (const phase of result.phases.slice(2)) expect(phase.new.hits).toBeGreaterThan(phase.new.misses);
  });
});

describe('the schema strategy’s trade-off', () => {
  it('shows cross-version reads when the format changed but schemaVersion was not bumped', async () => {
    const result = await simulate({
      prefix: () => cachePrefix({ strategy: 'schema', app: 'shop', schemaVersion: 1 }),
    });
    expect(result.crossReads.newReadOld).toBeGreaterThan(0);
  });
});

describe('a rolling deploy with flush-after-rollout', () => {
  it('flushes once, only after every instance runs the new release, and no old entry is read after it', async () => {
    const servers = pool.addresses();
    const coordinator = createRolloutCoordinator({
      servers,
      app: 'shop',
      stage: 'prod',
      strategy: 'flush-after-rollout',
    });
    await coordinator.begin({ release: RELEASE.new });
    let refusedEarly = false;
    let flushes = 0;
    const result = await simulate({
      prefix: (version) => prefixOf('flush-after-rollout', version),
      onInstanceSwitched: async (instance) => {
        if (instance !== 1) return;
        // Half way, the deployer cannot complete: two instances still report the old release.
        try {
          await coordinator.complete({
            release: RELEASE.new,
            instances: [0, 1, 2, 3].map((index) => ({
              id: `i-${index}`,
              version: index <= instance ? RELEASE.new : RELEASE.old,
            })),
          });
        } catch (error) {
          refusedEarly = isReletanError(error) && error.code === 'ROLLOUT_NOT_CONFIRMED';
        }
      },
      onRolloutDone: async (instances) => {
        expect(instances).toEqual(['new', 'new', 'new', 'new']);
        const completed = await coordinator.complete({
          release: RELEASE.new,
          instances: instances.map((_, index) => ({ id: `i-${index}`, version: RELEASE.new })),
        });
        if (completed.flushed) flushes++;
      },
    });
    expect(refusedEarly).toBe(true);
    expect(flushes).toBe(1);
    const afterFlush = result.phases[result.phases.length - 1] as Record<Version, Counts>;
    expect(afterFlush.new.crossReads).toBe(0);
    expect(afterFlush.new.hits).toBeGreaterThan(0);
    // Without a prefix, new code still met old entries during the rollout: why release or schema is preferred.
    expect(result.crossReads.newReadOld).toBeGreaterThan(0);
  });
});
