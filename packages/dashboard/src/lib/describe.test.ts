import { describe, expect, it } from 'vitest';
import { describeStep, duration } from './describe.ts';

describe('trigger steps as sentences', () => {
  it('reads ISO durations as words', () => {
    expect(duration('PT1H')).toBe('1 hour');
    expect(duration('P2DT30M')).toBe('2 days 30 minutes');
    expect(duration('P1W')).toBe('1 week');
    expect(duration('soon')).toBe('soon');
  });

  it('names campaigns and audiences instead of their ids', () => {
    const names = new Map([
      ['cmp_1', 'Spring news'],
      ['aud_1', 'Readers'],
    ]);
    expect(describeStep({ send: { campaignId: 'cmp_1' } }, names)).toBe(
      'Send campaign “Spring news”',
    );
    expect(describeStep({ removeFrom: 'aud_1' }, names)).toBe('Remove from audience “Readers”');
    expect(describeStep({ unless: { event: 'Order Completed', where: { total: 5 } } }, names)).toBe(
      'Stop if “Order Completed” happens where total = 5',
    );
  });
});
