import { ReletanError } from './errors.js';

/** Time, as every wait in reletan reads it; tests inject a fake one and run hours of waiting in milliseconds. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with an `INTERRUPTED` error as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and timers (which do not keep the process alive once it is interrupted). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(interruptedError(signal));
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(interruptedError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** How long to wait between checks: exponential (with jitter), or an explicit list of delays. */
export type Backoff =
  | {
      /** The first wait. @default 1000 */
      initialMs?: number;
      /** Each wait is the previous one times this. @default 2 */
      factor?: number;
      /** No wait is longer than this. @default 30000 */
      maxMs?: number;
      /**
       * How much of each wait is random: 0 none, 1 "full jitter" (anywhere from 0 to the wait). Jitter
       * keeps many waiters (CI jobs, environments) from polling an API in lockstep. @default 0.5
       */
      jitter?: number;
    }
  | {
      /** The waits, in order; the check runs once more than there are waits. */
      delays: readonly number[];
    };

/** What a check says: done (with its value), or not yet (with what it saw, for progress and timeouts). */
export type CheckResult<T, S = unknown> =
  | { done: true; value: T }
  | { done: false; state?: S; reason?: string };

export interface WaitUntilOptions<T, S = unknown> {
  /** Reads the state once. Thrown errors end the wait (retry transient ones inside, e.g. with the SDK's retries). */
  check: (attempt: number) => Promise<CheckResult<T, S>> | CheckResult<T, S>;
  /** @default exponential from 1 s, doubling, up to 30 s, half jittered */
  backoff?: Backoff;
  /** Give up this long after the first check. @default no limit (a `delays` list ends on its own) */
  timeoutMs?: number;
  /** Stop waiting (throws an `INTERRUPTED` error, exit 130). */
  signal?: AbortSignal;
  /** @default the system clock */
  clock?: Clock;
  /** Jitter's randomness, in [0, 1). @default Math.random */
  random?: () => number;
  /** Called before each wait: for progress ("still Updating; next check in 10 s"). */
  onWait?: (wait: {
    attempt: number;
    delayMs: number;
    state: S | undefined;
    reason: string | undefined;
  }) => void;
}

/** How a wait ended: the check said done, or time ran out (with what the last check saw). */
export type WaitResult<T, S = unknown> =
  | { status: 'done'; value: T; attempts: number; elapsedMs: number }
  | {
      status: 'timed-out';
      state: S | undefined;
      reason: string | undefined;
      attempts: number;
      elapsedMs: number;
    };

/**
 * Checks until `check` says done or the deadline passes, waiting between checks by `backoff`: the one
 * "wait until" loop of reletan (GitHub's mergeability, an environment becoming Ready, a reindex task).
 * A wait is never cut short by the deadline: the last check happens at or just before it.
 */
export async function waitUntil<T, S = unknown>(options: WaitUntilOptions<T, S>): Promise<WaitResult<T, S>> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const started = clock.now();
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + options.timeoutMs;
  const delays = delaySequence(options.backoff ?? {}, random);
  let attempt = 0;
  for (;;) {
    if (options.signal?.aborted) throw interruptedError(options.signal);
    attempt += 1;
    const result = await options.check(attempt);
    if (result.done)
      return { status: 'done', value: result.value, attempts: attempt, elapsedMs: clock.now() - started };
    const next = delays.next();
    const remaining = deadline - clock.now();
    if (next.done || remaining <= 0) {
      return {
        status: 'timed-out',
        state: result.state,
        reason: result.reason,
        attempts: attempt,
        elapsedMs: clock.now() - started,
      };
    }
    const delayMs = Math.max(0, Math.min(next.value, remaining));
    options.onWait?.({ attempt, delayMs, state: result.state, reason: result.reason });
    await clock.sleep(delayMs, options.signal);
  }
}

/** The waits of a backoff, one per check after the first; endless for an exponential backoff. */
export function* delaySequence(
  backoff: Backoff,
  random: () => number = Math.random,
): Generator<number, void> {
  if ('delays' in backoff) {
    yield* backoff.delays;
    return;
  }
  const initial = backoff.initialMs ?? 1_000;
  const factor = backoff.factor ?? 2;
  const max = backoff.maxMs ?? 30_000;
  const jitter = Math.min(1, Math.max(0, backoff.jitter ?? 0.5));
  let base = initial;
  for (;;) {
    const capped = Math.min(base, max);
    yield Math.round(capped * (1 - jitter) + capped * jitter * random());
    base = Math.min(base * factor, max);
  }
}

/** The error a wait throws when its signal aborts (exit 130). */
export function interruptedError(signal: AbortSignal | undefined): ReletanError {
  const reason = signal?.reason;
  return new ReletanError({
    code: 'INTERRUPTED',
    kind: 'interrupted',
    message: `interrupted${reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : ''}`,
    hint: 'run the same operation again to continue',
  });
}

/** Throws {@link interruptedError} when `signal` has already aborted: a check between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedError(signal);
}
