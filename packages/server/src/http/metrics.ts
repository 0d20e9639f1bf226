import { createHash, timingSafeEqual } from 'node:crypto';
import { QUEUE_DEPTH_CAP } from '../storage/queue-depth.ts';

/** Counters kept in memory as work happens (per process; reset on restart, as Prometheus expects). */
export interface Metrics {
  eventsIngested: number;
}

export const createMetrics = (): Metrics => ({ eventsIngested: 0 });

/**
 * Whether `authorization` is `Bearer <token>`, compared in constant time (both sides hashed
 * first, so neither the content nor the length of the token leaks through timing).
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(authorization?.trim() ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/** The Prometheus text exposition (format 0.0.4); aggregates only, nothing per workspace. */
export function metricsText(m: Metrics, depth: { deliveries: number; jobs: number }): string {
  return [
    '# HELP beckon_events_ingested_total Events stored by this process (pixel and ingestion API).',
    '# TYPE beckon_events_ingested_total counter',
    `beckon_events_ingested_total ${m.eventsIngested}`,
    `# HELP beckon_queue_depth Queued items per lane, counted up to ${QUEUE_DEPTH_CAP}.`,
    '# TYPE beckon_queue_depth gauge',
    `beckon_queue_depth{lane="deliveries"} ${depth.deliveries}`,
    `beckon_queue_depth{lane="jobs"} ${depth.jobs}`,
    '',
  ].join('\n');
}
