import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads weeks, days, hours, minutes and seconds', () => {
    expect(parseDuration('PT1H')).toBe(3_600_000);
    expect(parseDuration('P30D')).toBe(30 * 86_400_000);
    expect(parseDuration('P1DT12H')).toBe(36 * 3_600_000);
    expect(parseDuration('PT1M30S')).toBe(90_000);
    expect(parseDuration('P2W')).toBe(14 * 86_400_000);
    expect(parseDuration('PT0.5S')).toBe(500);
  });

  it('refuses what is not a fixed-length duration', () => {
    for (const bad of ['P1M', 'P1Y', 'PT', 'P', '1H', 'PT1H ', '']) {
      expect(() => parseDuration(bad)).toThrow(/ISO-8601 duration/);
    }
  });
});
