import { z } from 'zod';
import { bucketOf, intervalMs, type Interval } from '../storage/campaign-series.ts';
import { ProblemError } from './problem.ts';
import { utcTimestamp } from './schemas.ts';

/** Points one series may have: a chart's worth, and a bound on the work of one request. */
export const MAX_POINTS = 1000;

/** `?interval=&from=&to=` of a stats series. */
export const rangeQuery = {
  from: utcTimestamp.optional().describe('Start (default: 48 hours or 30 days before `to`)'),
  to: utcTimestamp.optional().describe('End, exclusive (default: now)'),
};

/**
 * The range a series covers: `to` defaults to now, `from` to 48 hours (hourly) or 30 days
 * (daily) before it; `from` is floored to its bucket. Empty or over `MAX_POINTS` → 400.
 */
export function seriesRange(
  interval: Interval,
  query: { from?: number | undefined; to?: number | undefined },
  now: number,
): { from: number; to: number } {
  const to = query.to ?? now;
  // By default the last 48 hours or 30 days, the bucket holding `to` included.
  const points = interval === 'hour' ? 48 : 30;
  const from = bucketOf(
    query.from ?? bucketOf(to - 1, interval) - (points - 1) * intervalMs(interval),
    interval,
  );
  if (from >= to) {
    throw new ProblemError(400, 'Invalid request', 'from must be before to', [
      { path: 'from', message: 'must be before to' },
    ]);
  }
  if ((to - from) / intervalMs(interval) > MAX_POINTS) {
    throw new ProblemError(
      400,
      'Invalid request',
      `A series has at most ${MAX_POINTS} points: narrow from/to or use a longer interval`,
      [{ path: 'from', message: `more than ${MAX_POINTS} ${interval}s before to` }],
    );
  }
  return { from, to };
}

export const intervalSchema = z.enum(['hour', 'day']);
