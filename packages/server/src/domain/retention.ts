/**
 * How long a workspace keeps its data (API.md "Limits and retention"). Pure: the prune job
 * turns these into cutoffs with the clock it is given.
 */
export interface Retention {
  eventsDays: number;
  deliveriesDays: number;
  jobsDays: number;
}

export const DEFAULT_RETENTION: Readonly<Retention> = Object.freeze({
  eventsDays: 90,
  deliveriesDays: 180,
  jobsDays: 30,
});

/** Caps of the rolling windows (an hour, a day) need two days of push_log at most. */
export const PUSH_LOG_KEEP_MS = 2 * 86_400_000;
/** Idempotency keys answer repeats for 24 hours (storage/idempotency.ts); then they go. */
export const IDEMPOTENCY_KEEP_MS = 24 * 3_600_000;

const DAY = 86_400_000;

/** The stored settings over the defaults; a missing or unusable value is the default. */
export function retentionOf(stored: Partial<Record<keyof Retention, unknown>> | null): Retention {
  const pick = (key: keyof Retention) => {
    const value = stored?.[key];
    return typeof value === 'number' && Number.isInteger(value) && value >= 1
      ? value
      : DEFAULT_RETENTION[key];
  };
  return {
    eventsDays: pick('eventsDays'),
    deliveriesDays: pick('deliveriesDays'),
    jobsDays: pick('jobsDays'),
  };
}

/**
 * Rows older than these times go. Finished trigger runs hold an event's properties, so
 * they follow the events' window.
 *
 * @example cutoffs(DEFAULT_RETENTION, now).events // now - 90 days
 */
export function cutoffs(retention: Retention, now: number) {
  return {
    events: now - retention.eventsDays * DAY,
    deliveries: now - retention.deliveriesDays * DAY,
    jobs: now - retention.jobsDays * DAY,
    triggerRuns: now - retention.eventsDays * DAY,
  };
}
