/** One operation waiting for memcached; the queue settles it when its deadline passes. */
export interface PendingOperation {
  settled: boolean;
  /** On the queue's clock: {@link monotonicNow} unless the queue was given another. */
  deadline: number;
}

/**
 * Milliseconds on a clock that never steps: an NTP correction moving the wall clock back would
 * otherwise push every pending deadline away by as much, and an operation would wait that long.
 */
export const monotonicNow = (): number => performance.now();

export interface DeadlineQueue<P extends PendingOperation> {
  /** Tracks `pending`, whose deadline must not be earlier than those already added. */
  add(pending: P): void;
  /** Call after settling an operation: drops settled operations from the front. */
  release(): void;
  /** How many operations are tracked (settled ones not yet dropped included). */
  readonly size: number;
}

/**
 * Deadlines for operations that all share one timeout, so they expire in the order they started:
 * one timer for the oldest unsettled operation instead of a timer per operation (a setTimeout and
 * clearTimeout per cache read cost more than the rest of the client's work together).
 * The timer is unref'd: a deadline never keeps a process alive on its own.
 */
export function createDeadlineQueue<P extends PendingOperation>(
  onExpire: (pending: P) => void,
  now: () => number = monotonicNow,
): DeadlineQueue<P> {
  let queue: P[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;

  const dropSettled = () => {
    // onExpire may settle other operations, whose release() lands here mid-sweep: the sweep walks the
    // queue itself and drops them when it ends.
    if (sweeping) return;
    while (head < queue.length && (queue[head] as P).settled) head++;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  const schedule = (delay: number) => {
    timer = setTimeout(sweep, Math.max(0, delay));
    timer.unref();
  };

  function sweep() {
    timer = undefined;
    const current = now();
    sweeping = true;
    try {
      while (head < queue.length) {
        const pending = queue[head] as P;
        if (!pending.settled) {
          if (pending.deadline > current) break;
          pending.settled = true;
          onExpire(pending);
        }
        head++;
      }
    } finally {
      sweeping = false;
    }
    dropSettled();
    if (head < queue.length) schedule((queue[head] as P).deadline - current);
  }

  return {
    add(pending) {
      queue.push(pending);
      if (!timer) schedule(pending.deadline - now());
    },
    release: dropSettled,
    get size() {
      return queue.length - head;
    },
  };
}
