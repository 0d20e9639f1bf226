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
});
