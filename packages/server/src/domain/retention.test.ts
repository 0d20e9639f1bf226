import { describe, expect, it } from 'vitest';
import { cutoffs, DEFAULT_RETENTION, retentionOf } from './retention.ts';

describe('retention settings', () => {
  it('fills missing or unusable stored values with the defaults 90 / 180 / 30 days', () => {
    expect(retentionOf(null)).toEqual({ eventsDays: 90, deliveriesDays: 180, jobsDays: 30 });
    expect(retentionOf({ eventsDays: 7, jobsDays: 0, deliveriesDays: '9' })).toEqual({
      eventsDays: 7,
      deliveriesDays: 180,
      jobsDays: 30,
    });
  });

  it('turns days into cutoffs, trigger runs following the events window', () => {
    const day = 86_400_000;
    const c = cutoffs({ eventsDays: 1, deliveriesDays: 2, jobsDays: 3 }, 10 * day);
    expect(c).toEqual({
      events: 9 * day,
      deliveries: 8 * day,
      jobs: 7 * day,
      triggerRuns: 9 * day,
    });
    expect(cutoffs(DEFAULT_RETENTION, 0).events).toBe(-90 * day);
  });
});
