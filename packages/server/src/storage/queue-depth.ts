import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Queue depths are counted up to this many rows; a deeper queue reads as this number. */
export const QUEUE_DEPTH_CAP = 100_000;

/**
 * Queued deliveries and jobs for `/metrics`, cheap on every scrape: each count walks the
 * `(status, …)` index (`deliveries_lane_due`, `jobs_due`) and stops after {@link QUEUE_DEPTH_CAP}
 * rows, so a scrape never scans a whole table however large it grows.
 *
 * @example const { deliveries, jobs } = await store.health.queueDepths();
 */
export async function queueDepths(
  db: Kysely<Database>,
): Promise<{ deliveries: number; jobs: number }> {
  const [deliveries, jobs] = await Promise.all([
    db
      .selectFrom(
        db
          .selectFrom('deliveries')
          .select(sql<number>`1`.as('one'))
          .where('status', '=', 'queued')
          .limit(QUEUE_DEPTH_CAP)
          .as('q'),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst(),
    db
      .selectFrom(
        db
          .selectFrom('jobs')
          .select(sql<number>`1`.as('one'))
          .where('status', '=', 'queued')
          .limit(QUEUE_DEPTH_CAP)
          .as('q'),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst(),
  ]);
  return { deliveries: Number(deliveries?.n ?? 0), jobs: Number(jobs?.n ?? 0) };
}

/** Trigger runs waiting on a timer, counted up to {@link QUEUE_DEPTH_CAP} (`trigger_runs_due`). */
export async function triggerRunsWaiting(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom(
      db
        .selectFrom('trigger_runs')
        .select(sql<number>`1`.as('one'))
        .where('status', '=', 'waiting')
        .limit(QUEUE_DEPTH_CAP)
        .as('q'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
