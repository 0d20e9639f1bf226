import { describe, expect, it } from 'vitest';
import { createWakeSignal } from './wake-signal.ts';
import { startLoop } from './loop.ts';

describe('wake signal', () => {
  it('keeps a wake that came while nobody waited, so the next wait returns at once', async () => {
    const signal = createWakeSignal();
    signal.wake();
    const started = Date.now();
    await signal.wait(10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('lets a loop pick up work queued during a busy step without waiting for the poll', async () => {
    const wake = createWakeSignal();
    const queue: number[] = [];
    const done: number[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const loop = startLoop(
      async () => {
        const item = queue.shift();
        if (item === undefined) return false;
        if (item === 1) await blocked;
        done.push(item);
        return false; // "idle" after each item: only a wake brings the loop back before 60 s
      },
      { idleMs: 60_000, wake, log: () => {} },
    );
    queue.push(1);
    wake.wake();
    await new Promise((r) => setTimeout(r, 20)); // the loop is now inside the step with item 1
    queue.push(2);
    wake.wake(); // nobody is waiting: must not be lost
    release();
    const started = Date.now();
    while (done.length < 2 && Date.now() - started < 2_000)
      await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    expect(done).toEqual([1, 2]);
  });

  it('tells a wake from a timeout', async () => {
    const signal = createWakeSignal();
    expect(await signal.wait(1)).toBe(false);
    const woken = signal.wait(10_000);
    signal.wake();
    expect(await woken).toBe(true);
  });

  it('polls less often while idle, up to maxIdleMs, and at the first pace again once woken', async () => {
    const wake = createWakeSignal();
    let polls = 0;
    const loop = startLoop(
      async () => {
        polls += 1;
        return false;
      },
      { idleMs: 20, maxIdleMs: 400, wake, log: () => {} },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    // 20, 40, 80, 160, 320, 400 ms apart: about 6 polls in a second, against 50 without backoff.
    const idlePolls = polls;
    expect(idlePolls).toBeGreaterThanOrEqual(3);
    expect(idlePolls).toBeLessThanOrEqual(12);
    wake.wake();
    await new Promise((r) => setTimeout(r, 250));
    // Woken: polled at once, then 20, 40, 80 ms apart again, not once per 400 ms.
    expect(polls - idlePolls).toBeGreaterThanOrEqual(3);
    await loop.stop();
  });
});
