import { describe, expect, it } from 'vitest';
import { singleFlight } from './single-flight.ts';

describe('singleFlight', () => {
  it('gives concurrent callers of one key the call in flight, and calls again once it settled', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const lookup = singleFlight(async (key: string) => {
      calls.push(key);
      await held;
      return `${key}!`;
    });
    const together = [lookup('a'), lookup('a'), lookup('b')];
    release();
    expect(await Promise.all(together)).toEqual(['a!', 'a!', 'b!']);
    expect(calls).toEqual(['a', 'b']);
    expect(await lookup('a')).toBe('a!');
    expect(calls).toEqual(['a', 'b', 'a']);
  });

  it('does not keep a failure: the next call asks again', async () => {
    let fail = true;
    const lookup = singleFlight(async (key: string) => {
      if (fail) throw new Error('down');
      return key;
    });
    await expect(lookup('a')).rejects.toThrow('down');
    fail = false;
    expect(await lookup('a')).toBe('a');
  });
});
