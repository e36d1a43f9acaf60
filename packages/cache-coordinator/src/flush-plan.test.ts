import { createRequire } from 'node:module';
import { isReletanError, type ReletanError, runPlan } from '@reletan/core';
import { afterEach, describe, expect, it } from 'vitest';
import { useDisposableMemcached, useMemcached } from '../test/memcached.js';
import { createCache } from './client.js';
import type { ServerFlushResult } from './flush.js';
import { planCacheFlush, runCacheFlush } from './flush-plan.js';
import { createRolloutCoordinator, type RolloutServerState, type RolloutStatus } from './rollout.js';
import { ROLLOUT_REGISTRY_KEY, type RolloutMarker } from './rollout-registry.js';

const memjs = createRequire(import.meta.url)('memjs') as typeof import('memjs');

const rolling: RolloutMarker = {
  app: 'shop',
  stage: 'prod',
  release: 'v1.5.0',
  startedAt: '2025-06-01T10:00:00Z',
  expiresAt: '2025-06-01T12:00:00Z',
  state: 'rolling',
};

/** What readRolloutStatus would have read from these servers. */
function statusOf(servers: RolloutServerState[]): RolloutStatus {
  const rollouts = servers.flatMap((server) => server.rollouts);
  return {
    inProgress: rollouts.some((rollout) => rollout.state === 'rolling'),
    rollouts,
    reachable: servers.filter((server) => server.reachable).length,
    servers,
  };
}
const up = (server: string, ...rollouts: RolloutMarker[]): RolloutServerState => ({
  server,
  reachable: true,
  rollouts,
});
const down = (server: string): RolloutServerState => ({
  server,
  reachable: false,
  rollouts: [],
  error: 'connect ECONNREFUSED',
});

describe('the plan of a flush', () => {
  it('empties each server in its own step, in the order the servers are listed', () => {
    const planned = planCacheFlush(statusOf([up('b:11211'), up('a:11211')]));
    if (!planned.allowed) throw planned.refusal;
    expect(planned.plan.steps.map((step) => [step.id, step.server, step.describe()])).toEqual([
      ['flush:b:11211', 'b:11211', 'flush every key on b:11211'],
      ['flush:a:11211', 'a:11211', 'flush every key on a:11211'],
    ]);
    expect(planned.plan.done).toEqual([]);
    expect(planned).not.toHaveProperty('warning');
  });

  it('is refused during a rollout, with the rule, the hint in words and the input it concerns', () => {
    const planned = planCacheFlush(statusOf([up('a:11211', rolling)]), {
      input: { path: 'stages.prod.cache' },
    });
    if (planned.allowed) throw new Error('expected a refusal');
    expect(planned.refusal).toMatchObject({
      code: 'CACHE_ROLLOUT_IN_PROGRESS',
      kind: 'failure',
      message: expect.stringContaining('refusing to flush: a rollout of v1.5.0 (shop/prod'),
      input: { path: 'stages.prod.cache' },
      hint: expect.stringContaining('force the flush'),
    });
    expect(planned.refusal.hint).not.toMatch(/--|reletan /);
  });

  it('is refused while a server does not answer, naming it and why', () => {
    const planned = planCacheFlush(statusOf([up('a:11211'), down('b:11211')]));
    if (planned.allowed) throw new Error('expected a refusal');
    expect(planned.refusal).toMatchObject({
      code: 'CACHE_SERVER_UNREACHABLE',
      details: ['b:11211: connect ECONNREFUSED'],
    });
  });

  it('is refused even forced when no server answers', () => {
    const planned = planCacheFlush(statusOf([down('a:11211')]), { force: true });
    expect(planned).toMatchObject({ allowed: false, refusal: { code: 'CACHE_UNREACHABLE' } });
  });

  it('goes ahead when forced, flushing every listed server, and says what makes it risky', () => {
    const planned = planCacheFlush(statusOf([up('a:11211', rolling), down('b:11211')]), { force: true });
    if (!planned.allowed) throw planned.refusal;
    expect(planned.plan.steps.map((step) => step.server)).toEqual(['a:11211', 'b:11211']);
    expect(planned.warning).toContain('a rollout of v1.5.0');
    expect(planned.warning).toContain('b:11211 did not answer');
  });

  it('flushes through its services when run, and only describes the steps in a dry run', async () => {
    const planned = planCacheFlush(statusOf([up('a:11211'), up('b:11211')]));
    if (!planned.allowed) throw planned.refusal;
    const asked: string[] = [];
    const services = {
      flushServer: async (server: string): Promise<ServerFlushResult> => {
        asked.push(server);
        return { server, flushed: true };
      },
    };
    const dryRun = await runPlan(planned.plan, { services, dryRun: true });
    expect(dryRun.steps.map((step) => [step.id, step.status])).toEqual([
      ['flush:a:11211', 'planned'],
      ['flush:b:11211', 'planned'],
    ]);
    expect(asked).toEqual([]);
    await runPlan(planned.plan, { services });
    expect(asked).toEqual(['a:11211', 'b:11211']);
  });
});

describe('a guarded flush of real servers', () => {
  const pool = useMemcached(2);
  const disposable = useDisposableMemcached();

  // Every server keeps one registry for all rollouts: each test starts from an empty one.
  afterEach(async () => {
    for (const address of pool.addresses()) {
      const client = memjs.Client.create(address, { logger: { log: () => {} } });
      await client.delete(ROLLOUT_REGISTRY_KEY);
      client.close();
    }
  });

  /** A sentinel entry on every server, to see whether a flush happened. */
  async function plantSentinels(): Promise<() => Promise<boolean[]>> {
    const clients = pool
      .addresses()
      .map((address) => createCache({ servers: [address], prefix: 'sentinel' }));
    await Promise.all(clients.map((client) => client.set('here', true)));
    return async () => {
      const present = await Promise.all(clients.map(async (client) => (await client.get('here')) === true));
      for (const client of clients) client.close();
      return present;
    };
  }

  function recordingLogger() {
    const lines: string[] = [];
    return {
      lines,
      progress: (message: string) => lines.push(`progress: ${message}`),
      warn: (message: string) => lines.push(`warn: ${message}`),
    };
  }

  async function refusalOf(promise: Promise<unknown>): Promise<ReletanError> {
    try {
      await promise;
    } catch (error) {
      if (isReletanError(error)) return error;
      throw error;
    }
    throw new Error('expected the flush to be refused');
  }

  it('flushes every server and reports each step with its duration', async () => {
    const sentinels = await plantSentinels();
    const logger = recordingLogger();
    const result = await runCacheFlush(pool.addresses(), { stage: 'prod', logger });
    expect(await sentinels()).toEqual([false, false]);
    expect(result).toMatchObject({
      dryRun: false,
      status: { inProgress: false, reachable: 2 },
      flushed: pool.addresses().map((server) => ({ server, flushed: true })),
    });
    expect(result.steps).toEqual(
      pool.addresses().map((server) => ({
        id: `flush:${server}`,
        description: `flush every key on ${server}`,
        status: 'succeeded',
        durationMs: expect.any(Number),
      })),
    );
    expect(logger.lines).toEqual([
      'progress: checking for rollouts in progress on 2 memcached server(s)',
      'progress: flushing 2 memcached server(s)',
    ]);
  });

  it('describes every step and flushes nothing in a dry run', async () => {
    const sentinels = await plantSentinels();
    const result = await runCacheFlush(pool.addresses(), { dryRun: true });
    expect(await sentinels()).toEqual([true, true]);
    expect(result).toMatchObject({ dryRun: true, flushed: [], durationMs: 0 });
    expect(result.steps.map((step) => [step.description, step.status])).toEqual(
      pool.addresses().map((server) => [`flush every key on ${server}`, 'planned']),
    );
  });

  it('refuses during a rollout, in a dry run too, and flushes nothing', async () => {
    const rollout = createRolloutCoordinator({
      servers: pool.addresses(),
      app: 'shop-web',
      stage: 'prod',
      strategy: 'release',
    });
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    for (const dryRun of [false, true]) {
      const refusal = await refusalOf(
        runCacheFlush(pool.addresses(), { dryRun, input: { path: 'stages.staging.cache' } }),
      );
      expect(refusal).toMatchObject({
        code: 'CACHE_ROLLOUT_IN_PROGRESS',
        message: expect.stringContaining('a rollout of v1.5.0 (shop-web/prod, started'),
        input: { path: 'stages.staging.cache' },
      });
    }
    expect(await sentinels()).toEqual([true, true]);
  });

  it('flushes during a rollout when forced, warning why, and keeps the rollout listed', async () => {
    const rollout = createRolloutCoordinator({
      servers: pool.addresses(),
      app: 'shop',
      stage: 'prod',
      strategy: 'release',
    });
    await rollout.begin({ release: 'v1.5.0' });
    const sentinels = await plantSentinels();
    const logger = recordingLogger();
    const result = await runCacheFlush(pool.addresses(), { force: true, logger });
    expect(await sentinels()).toEqual([false, false]);
    expect(result.warning).toContain('a rollout of v1.5.0');
    expect(logger.lines).toContain(`warn: ${result.warning}`);
    expect((await rollout.status()).rollouts.map((listed) => listed.release)).toEqual(['v1.5.0']);
  });

  it('still flushes the servers after one that fails, then names each one (CACHE_FLUSH_INCOMPLETE)', async () => {
    const stopped = await disposable();
    await stopped.stop();
    const sentinels = await plantSentinels();
    // The stopped server first: its failure must not keep the others from being flushed.
    const servers = [stopped.address, ...pool.addresses()];
    const error = await refusalOf(runCacheFlush(servers, { force: true, stage: 'prod', timeoutMs: 500 }));
    expect(await sentinels()).toEqual([false, false]);
    expect(error).toMatchObject({
      code: 'CACHE_FLUSH_INCOMPLETE',
      message: 'flushed 2 of 3 memcached server(s) of stage prod',
      hint: 'a server that did not answer may or may not have been flushed; run the flush again once it answers',
    });
    expect(error.details).toEqual([
      expect.stringMatching(new RegExp(`^${stopped.address}: connect ECONNREFUSED`)),
      ...pool.addresses().map((server) => `${server}: flushed`),
    ]);
  });
});
