import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { delaySequence, systemClock, waitUntil } from './poll.js';
import { createFakeClock } from './testing.js';

const take = (n: number, sequence: Iterator<number>) =>
  Array.from({ length: n }, () => sequence.next().value as number);

describe('waiting until a check says done', () => {
  it('returns the value of the first check that is done, after the waits before it', async () => {
    const clock = createFakeClock();
    let reads = 0;
    const result = await waitUntil({
      check: () => (++reads === 3 ? { done: true, value: 'Ready' } : { done: false, reason: 'Updating' }),
      backoff: { initialMs: 5_000, factor: 2, jitter: 0 },
      clock,
    });
    expect(result).toEqual({ status: 'done', value: 'Ready', attempts: 3, elapsedMs: 15_000 });
    expect(clock.sleeps).toEqual([5_000, 10_000]);
  });

  it('follows an explicit list of delays, checking once more than there are delays', async () => {
    const clock = createFakeClock();
    const waits: number[] = [];
    const result = await waitUntil({
      check: () => ({ done: false, state: 'unknown' }),
      backoff: { delays: [2_000, 4_000, 8_000, 16_000] },
      clock,
      onWait: ({ delayMs }) => waits.push(delayMs),
    });
    expect(result).toMatchObject({ status: 'timed-out', state: 'unknown', attempts: 5, elapsedMs: 30_000 });
    expect(clock.sleeps).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(waits).toEqual(clock.sleeps);
  });

  it('times out at the deadline, never sleeping past it, with what the last check saw', async () => {
    const clock = createFakeClock();
    const result = await waitUntil({
      check: () => ({ done: false, state: { status: 'Updating' }, reason: 'still Updating' }),
      backoff: { initialMs: 4_000, factor: 2, maxMs: 30_000, jitter: 0 },
      timeoutMs: 60_000,
      clock,
    });
    expect(result).toMatchObject({ status: 'timed-out', reason: 'still Updating', elapsedMs: 60_000 });
    expect(clock.sleeps).toEqual([4_000, 8_000, 16_000, 30_000, 2_000]);
  });

  it('stops when interrupted, with an INTERRUPTED error (exit 130)', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = waitUntil({
      check: () => ({ done: false }),
      backoff: { initialMs: 60_000, jitter: 0 },
      clock: systemClock,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED', kind: 'interrupted' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('lets an error of the check end the wait', async () => {
    await expect(
      waitUntil({
        check: () => {
          throw new Error('AccessDenied');
        },
        clock: createFakeClock(),
      }),
    ).rejects.toThrow('AccessDenied');
  });
});

describe('the backoff', () => {
  it('doubles from the first wait up to the cap', () => {
    expect(take(7, delaySequence({ initialMs: 5_000, factor: 2, maxMs: 30_000, jitter: 0 }))).toEqual([
      5_000, 10_000, 20_000, 30_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('keeps every jittered wait between (1 - jitter) x and 1 x the capped wait', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (initialMs, factor, maxMs, jitter, randoms) => {
          let index = 0;
          const sequence = delaySequence(
            { initialMs, factor, maxMs, jitter },
            () => randoms[index++ % randoms.length] as number,
          );
          const exact = delaySequence({ initialMs, factor, maxMs, jitter: 0 });
          for (let i = 0; i < randoms.length; i++) {
            const wait = sequence.next().value as number;
            const ceiling = exact.next().value as number;
            expect(wait).toBeLessThanOrEqual(ceiling);
            expect(wait).toBeGreaterThanOrEqual(Math.floor(ceiling * (1 - jitter)) - 1);
            expect(ceiling).toBeLessThanOrEqual(Math.max(maxMs, 0) + 1);
          }
        },
      ),
    );
  });
});
