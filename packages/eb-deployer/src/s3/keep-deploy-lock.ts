import { type Clock, isReletanError, type Logger, ReletanError, systemClock } from '@reletan/core';
import type { DeployLock } from './deploy-lock.js';

export interface KeepDeployLockOptions {
  /** How often to refresh. @default a third of the lock's TTL (two refreshes may fail before it expires) */
  intervalMs?: number;
  /** Called once if the lock is lost (taken over, removed, or not refreshed before it expired). @default none */
  onLost?: (error: ReletanError) => void;
  /** Warns about a refresh that failed and will be tried again. @default none */
  logger?: Logger;
  /** Tells whether the lock expired while refreshes kept failing. @default the system clock */
  clock?: Clock;
}

export interface DeployLockKeeper {
  /** Aborts, with the `DEPLOY_LOCK_LOST` error as its reason, when the lock is lost: pass it to the deploy's waits. */
  readonly signal: AbortSignal;
  /** Stops refreshing (before releasing the lock). */
  stop(): void;
}

/**
 * Refreshes a deploy lock on an interval while the deploy runs, and reports a loss through `signal` and
 * `onLost`, so that the deploy stops before it interleaves with another. The timer does not keep the
 * process alive. A refresh that fails for another reason (the network) is retried at the next interval
 * until the lock's expiry has passed: then the lock is as good as lost.
 */
export function keepDeployLock(lock: DeployLock, options: KeepDeployLockOptions = {}): DeployLockKeeper {
  const intervalMs = options.intervalMs ?? Math.max(1_000, Math.floor((lock.ttlSeconds * 1000) / 3));
  const clock = options.clock ?? systemClock;
  const lost = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const lose = (error: ReletanError) => {
    stopped = true;
    lost.abort(error);
    options.onLost?.(error);
  };

  const tick = async () => {
    if (stopped || lock.state !== 'held') return;
    try {
      await lock.refresh();
    } catch (error) {
      if (stopped) return;
      if (isReletanError(error) && error.code === 'DEPLOY_LOCK_LOST') return lose(error);
      if (isReletanError(error) && error.code === 'DEPLOY_LOCK_RELEASED') return;
      const message = error instanceof Error ? error.message : String(error);
      if (Date.parse(lock.info.expiresAt) <= clock.now()) {
        return lose(
          new ReletanError({
            code: 'DEPLOY_LOCK_LOST',
            message: `the deploy lock of stage ${lock.stage} expired while it could not be refreshed (${message}); another deploy may take it over`,
            input: { url: `s3://${lock.bucket}/${lock.key}` },
            hint: 'this deploy stopped so that two deploys never interleave; check the network and credentials, then deploy again',
            cause: error,
          }),
        );
      }
      options.logger?.warn(
        `refreshing the deploy lock of stage ${lock.stage} failed, trying again: ${message}`,
      );
    }
    schedule();
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void tick(), intervalMs);
    // A deploy that ended (or crashed) must not be kept alive by its lock's refresh.
    timer.unref();
  };

  schedule();
  return {
    signal: lost.signal,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
