import { describe, expect, it } from 'vitest';
import { createOutcomeRecorder } from './outcome-recorder.ts';

describe('outcome recorder', () => {
  it('writes a group as soon as it is full, one write at a time, the rest when drained', async () => {
    const writes: number[][] = [];
    let inWrite = 0;
    let overlapped = false;
    const recorder = createOutcomeRecorder<number>({
      maxRows: 3,
      maxDelayMs: 1_000,
      write: async (rows) => {
        overlapped ||= inWrite > 0;
        inWrite += 1;
        writes.push(rows);
        await new Promise((r) => setTimeout(r, 5));
        inWrite -= 1;
      },
    });
    recorder.add([1, 2]);
    expect(writes).toEqual([]);
    recorder.add([3]);
    expect(writes).toEqual([[1, 2, 3]]);
    recorder.add([4, 5, 6, 7]); // gathers while the first write runs
    recorder.add([8]);
    await recorder.drain();
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7, 8],
    ]);
    expect(overlapped).toBe(false);
  });

  it('writes a group that does not fill up after maxDelayMs', async () => {
    const writes: number[][] = [];
    const recorder = createOutcomeRecorder<number>({
      maxRows: 100,
      maxDelayMs: 5,
      write: async (rows) => void writes.push(rows),
    });
    recorder.add([1]);
    await new Promise((r) => setTimeout(r, 30));
    expect(writes).toEqual([[1]]);
    await recorder.drain();
    expect(writes).toEqual([[1]]);
  });

  it('drains the rows added so far, not those other batches add meanwhile', async () => {
    const writes: number[][] = [];
    const gates: Array<() => void> = [];
    const recorder = createOutcomeRecorder<number>({
      maxRows: 2,
      maxDelayMs: 1_000,
      // Every write waits until the test lets it finish.
      write: (rows) => {
        writes.push(rows);
        return new Promise<void>((r) => gates.push(r));
      },
    });
    const tick = () => new Promise((r) => setTimeout(r, 0));
    recorder.add([1, 2]);
    recorder.add([3]);
    let drained = false;
    const drain = recorder.drain().then(() => (drained = true));
    recorder.add([4]); // another batch's row, gathering with 3
    gates.shift()?.();
    await tick();
    // 3 goes at once behind the first group, not after the 1 s timer.
    expect(writes).toEqual([
      [1, 2],
      [3, 4],
    ]);
    recorder.add([5]); // added after the drain began: not waited for
    gates.shift()?.();
    await drain;
    expect(drained).toBe(true);
    expect(writes).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const second = recorder.drain();
    await tick();
    expect(writes.at(-1)).toEqual([5]);
    gates.shift()?.();
    await second;
  });

  it('drains at once when everything added is written', async () => {
    const recorder = createOutcomeRecorder<number>({ write: async () => {} });
    await recorder.drain();
    recorder.add([1]);
    await recorder.drain();
    await recorder.drain();
  });
});
