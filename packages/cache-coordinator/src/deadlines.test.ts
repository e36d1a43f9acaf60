import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadlineQueue } from './deadlines.js';

interface Item {
  name: string;
  settled: boolean;
  deadline: number;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('one timer for many deadlines', () => {
  it('expires unsettled operations at their deadlines, in order, and never a settled one', () => {
    const expired: string[] = [];
    const queue = createDeadlineQueue<Item>((item) => expired.push(item.name), Date.now);
    const start = Date.now();
    const items = ['a', 'b', 'c', 'd'].map((name, index) => ({
      name,
      settled: false,
      deadline: start + 100 + index * 10,
    }));
    for (const item of items) queue.add(item);
    (items[1] as Item).settled = true;
    queue.release();
    vi.advanceTimersByTime(99);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    vi.advanceTimersByTime(30);
    expect(expired).toEqual(['a', 'c', 'd']);
    expect(items.map((item) => item.settled)).toEqual([true, true, true, true]);
    expect(queue.size).toBe(0);
  });

  it('expires every due operation in one sweep when an expiry settles others (a failed server)', () => {
    const start = Date.now();
    const items = ['a', 'b', 'c', 'd'].map((name) => ({ name, settled: false, deadline: start + 100 }));
    const expired: string[] = [];
    const queue = createDeadlineQueue<Item>((item) => {
      expired.push(item.name);
      if (item.name === 'a') {
        // Failing a's server fails c, which was in flight on it; its reply releases mid-sweep.
        (items[2] as Item).settled = true;
        queue.release();
      }
    }, Date.now);
    for (const item of items) queue.add(item);
    vi.advanceTimersToNextTimer();
    expect(expired).toEqual(['a', 'b', 'd']);
    expect(queue.size).toBe(0);
  });

  it('drops settled operations from the front as they complete', () => {
    const queue = createDeadlineQueue<Item>(() => {}, Date.now);
    const items = Array.from({ length: 5000 }, (_, index) => ({
      name: `${index}`,
      settled: false,
      deadline: Date.now() + 500,
    }));
    for (const item of items) {
      queue.add(item);
      item.settled = true;
      queue.release();
    }
    expect(queue.size).toBe(0);
  });

  it('keeps no process alive: its timer is unref’d', () => {
    const setTimer = vi.spyOn(globalThis, 'setTimeout');
    const queue = createDeadlineQueue<Item>(() => {}, Date.now);
    queue.add({ name: 'x', settled: false, deadline: Date.now() + 100 });
    queue.add({ name: 'y', settled: false, deadline: Date.now() + 100 });
    expect(setTimer).toHaveBeenCalledTimes(1);
    const timer = setTimer.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    setTimer.mockRestore();
  });
});
