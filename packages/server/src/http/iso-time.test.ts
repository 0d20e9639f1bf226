import { describe, expect, it } from 'vitest';
import { toIso } from './iso-time.ts';

describe('toIso', () => {
  it('writes what Date#toISOString writes, on the calendar edges', () => {
    const edges = [
      0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999,
      951_868_800_000, 4_107_542_400_000, 1_796_156_279_801, 253_402_300_799_999,
    ];
    for (const ms of edges) expect(toIso(ms)).toBe(new Date(ms).toISOString());
  });

  it('writes what Date#toISOString writes, for 100,000 random times from 1970 to 9999', () => {
    let seed = 14;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 100_000; i++) {
      const ms = Math.floor(random() * 253_402_300_800_000);
      expect(toIso(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('leaves times before 1970, after 9999 and fractional ones to Date', () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5]) {
      expect(toIso(ms)).toBe(new Date(ms).toISOString());
    }
    expect(() => toIso(Number.NaN)).toThrow(RangeError);
  });
});
