import type { Logger, Plan, Step, StepReport } from '@reletan/core';
import { type ErrorInput, ReletanError } from '@reletan/core/errors';
import { flushServers, type ServerFlushResult } from './flush.js';
import type { MemjsModule } from './memjs.js';
import { decideFlush, type RolloutStatus, readRolloutStatus } from './rollout.js';

/** What the steps of a cache flush act through. */
export interface CacheFlushServices {
  /**
   * Empties one server (`flush_all`) and writes its rollout registry back. A server that fails is
   * reported in the result rather than thrown, so that the servers after it are still flushed.
   */
  flushServer(server: string): Promise<ServerFlushResult>;
}

/** The step that empties one server, with the server it empties. */
export interface FlushServerStep extends Step<CacheFlushServices, ServerFlushResult> {
  /** `host:port` */
  readonly server: string;
}

/** A flush as a plan: one `flush:<server>` step per server, in the servers' order. */
export interface CacheFlushPlan extends Plan<CacheFlushServices> {
  readonly steps: readonly FlushServerStep[];
}

/** What {@link planCacheFlush} decided: the plan (and what makes a forced one risky), or the refusal. */
export type PlannedCacheFlush =
  | { allowed: true; plan: CacheFlushPlan; warning?: string }
  | { allowed: false; refusal: ReletanError };

export interface PlanCacheFlushOptions {
  /**
   * Flush even while a rollout is in progress on the servers, or while one of them does not answer
   * (never when none answers). @default false
   */
  force?: boolean;
  /** What a refusal points at, e.g. `{ path: 'stages.prod.cache' }` for a configured stage. @default none */
  input?: ErrorInput;
}

/**
 * The flush of the servers `status` was read from (see {@link readRolloutStatus}): a plan of one step per
 * server, or the refusal, by {@link decideFlush}'s rules (not while a rollout is in progress on them, nor
 * while one of them does not answer, unless forced; never with none answering). Pure: flushes nothing.
 */
export function planCacheFlush(
  status: RolloutStatus,
  options: PlanCacheFlushOptions = {},
): PlannedCacheFlush {
  const decision = decideFlush(status, { force: options.force ?? false });
  if (!decision.allowed) {
    return {
      allowed: false,
      refusal: new ReletanError({
        code: decision.code,
        message: decision.message,
        ...(options.input ? { input: options.input } : {}),
        hint: decision.hint,
        details: status.servers
          .filter((server) => !server.reachable)
          .map((server) => `${server.server}: ${server.error ?? 'did not answer'}`),
      }),
    };
  }
  const plan: CacheFlushPlan = { steps: status.servers.map((state) => flushStep(state.server)), done: [] };
  return decision.warning === undefined
    ? { allowed: true, plan }
    : { allowed: true, plan, warning: decision.warning };
}

function flushStep(server: string): FlushServerStep {
  return {
    id: `flush:${server}`,
    server,
    describe: () => `flush every key on ${server}`,
    run: (context) => context.flushServer(server),
  };
}

export interface RunCacheFlushOptions extends PlanCacheFlushOptions {
  /** Check and plan, and describe every step, but flush nothing. @default false */
  dryRun?: boolean;
  /**
   * The stage the servers serve, named in messages ("flushed 1 of 2 memcached server(s) of stage prod").
   * @default none: the messages name no stage
   */
  stage?: string;
  /** How long each server gets to answer, for the check and for its flush. @default 2000 */
  timeoutMs?: number;
  /** Told when the check and the flush start, and why a forced flush is risky. @default silent */
  logger?: Pick<Logger, 'progress' | 'warn'>;
  /** The clock the rollout registry's entries expire by. @default () => new Date() */
  now?: () => Date;
  /** @default require('memjs') */
  memjs?: MemjsModule;
}

export interface CacheFlushResult {
  dryRun: boolean;
  /** The rollouts the servers listed just before the flush: what the refusal rules read. */
  status: RolloutStatus;
  /** What made a forced flush risky (it was also given to the logger). */
  warning?: string;
  /** Every server, flushed, in the servers' order; none in a dry run. */
  flushed: ServerFlushResult[];
  /** The plan's steps: `planned` in a dry run, else `succeeded` with their durations. */
  steps: StepReport[];
  /** Wall time of the flush in milliseconds (0 in a dry run). */
  durationMs: number;
}

/**
 * The guarded flush `reletan cache flush` runs: reads the rollouts listed on `servers` (facts), plans the
 * flush ({@link planCacheFlush}), then runs the plan with core's `runPlan`, or only describes it
 * (`dryRun`). A refusal is thrown as it was planned. Every server is flushed even when one fails; then
 * the flush throws `CACHE_FLUSH_INCOMPLETE`, naming each server and whether it was flushed.
 */
export async function runCacheFlush(
  servers: readonly string[],
  options: RunCacheFlushOptions = {},
): Promise<CacheFlushResult> {
  const each = {
    timeoutMs: options.timeoutMs ?? 2_000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.memjs ? { memjs: options.memjs } : {}),
  };
  options.logger?.progress(`checking for rollouts in progress on ${servers.length} memcached server(s)`);
  const status = await readRolloutStatus(servers, each);
  const planned = planCacheFlush(status, options);
  if (!planned.allowed) throw planned.refusal;
  if (planned.warning) options.logger?.warn(planned.warning);
  const dryRun = options.dryRun ?? false;
  if (!dryRun) options.logger?.progress(`flushing ${servers.length} memcached server(s)`);

  const flushed: ServerFlushResult[] = [];
  const services: CacheFlushServices = {
    async flushServer(server) {
      const [result] = await flushServers([server], each);
      const outcome = result ?? { server, flushed: false, error: 'not flushed' };
      flushed.push(outcome);
      return outcome;
    },
  };
  // Loaded here rather than at the top: core's main entry brings its logger's dependencies, which a
  // service importing this package for the client alone should not pay for.
  const { runPlan } = await import('@reletan/core');
  // No logger for the steps: each takes milliseconds, the progress line above announces them, and the
  // result lists every server.
  const report = await runPlan(planned.plan, { services, dryRun });
  const failed = flushed.filter((result) => !result.flushed);
  if (failed.length > 0) {
    const of = options.stage === undefined ? '' : ` of stage ${options.stage}`;
    throw new ReletanError({
      code: 'CACHE_FLUSH_INCOMPLETE',
      message: `flushed ${flushed.length - failed.length} of ${flushed.length} memcached server(s)${of}`,
      details: flushed.map((result) =>
        result.flushed ? `${result.server}: flushed` : `${result.server}: ${result.error ?? 'not flushed'}`,
      ),
      hint: 'a server that did not answer may or may not have been flushed; run the flush again once it answers',
    });
  }
  return {
    dryRun,
    status,
    ...(planned.warning === undefined ? {} : { warning: planned.warning }),
    flushed,
    steps: report.steps,
    durationMs: report.durationMs,
  };
}
