import { sql, type Kysely } from 'kysely';
import type { Target } from '../domain/target.ts';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';
import type { SubscriberQuery, TargetRow } from './target-row.ts';

/** First key of the two-key advisory lock a snapshot is written under: "snap". */
const SNAPSHOT_LOCK_SPACE = 0x736e6170;

/**
 * A fan-out's target resolved once into `target_snapshots`, then read a page at a time.
 *
 * Why: on PostgreSQL an audience's predicate (an event or trait rule, a manual list) sits in
 * OR'ed `EXISTS` that the planner runs as hashed subplans, built anew for every query. Scanned
 * in windows, a rule over 1M subscribers re-reads and re-hashes the workspace's matching
 * events 50 times (8 s at 50k windows, 31 s at the fan-out's 20k; jsonb properties only cut
 * a window's cost by ~3×). One INSERT … SELECT builds them once (~0.6 s), and the pages are
 * primary-key range reads. SQLite evaluates those `EXISTS` per row through indexes, so its
 * windows cost the same in total and it keeps scanning them (no write lock held meanwhile).
 */
export function createTargetSnapshots(
  db: Kysely<Database>,
  dialect: DialectName,
  query: (workspaceId: string, target: Target, now: number) => Promise<SubscriberQuery>,
) {
  return {
    /** Whether a fan-out to this target resolves it once (PostgreSQL, audiences named). */
    resolvesOnce(target: Target): boolean {
      const audiences = target.audiences;
      return (
        dialect === 'postgres' &&
        (audiences?.include?.length ?? 0) + (audiences?.exclude?.length ?? 0) > 0
      );
    },

    /**
     * Stores the subscribers matching the target for this notification and returns how
     * many there are. Safe to repeat (a fan-out taken over after a crash): a snapshot already
     * there is kept whole and counted, so a worker still paging through it is never left
     * short and nothing is listed twice.
     *
     * @example const total = await targeting.snapshot(n.id, n.workspaceId, n.target, n.sendAt);
     */
    async snapshot(
      notificationId: string,
      workspaceId: string,
      target: Target,
      now: number,
    ): Promise<number> {
      const matching = (await query(workspaceId, target, now))
        .clearSelect()
        .select([
          sql<string>`CAST(${notificationId} AS TEXT)`.as('notification_id'),
          'subscribers.id',
          'subscribers.site_id',
          'subscribers.timezone',
        ]);
      const count = async (trx: Kysely<Database>) => {
        const row = await trx
          .selectFrom('target_snapshots')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('notification_id', '=', notificationId)
          .executeTakeFirst();
        return Number(row?.n ?? 0);
      };
      const total = await db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') {
          // No JIT: the planner costs each subscriber's rule test as index probes (millions
          // of units over 1M subscribers), far past `jit_above_cost`, so it compiled and
          // optimised ~50 functions every time — up to a third of the statement in the bench
          // — for a plan whose work is hash probes and index reads that JIT does not speed up.
          await sql`SET LOCAL jit = off`.execute(trx);
          // Two workers snapshotting the same notification take turns; the second finds the
          // first one's rows. (SQLite writes under its single lock.)
          await sql`SELECT pg_advisory_xact_lock(${sql.lit(SNAPSHOT_LOCK_SPACE)}, hashtext(${notificationId}))`.execute(
            trx,
          );
        }
        // A snapshot is written by one statement, so rows there are all of it. Why not
        // `ON CONFLICT DO NOTHING`: its speculative insertion cost ~150 ms of CPU per 47k
        // rows in the bench (~15 % of the statement), for conflicts that cannot happen here.
        const there = await trx
          .selectFrom('target_snapshots')
          .select('subscriber_id')
          .where('notification_id', '=', notificationId)
          .limit(1)
          .executeTakeFirst();
        if (there) return count(trx);
        const [result] = await trx
          .insertInto('target_snapshots')
          .columns(['notification_id', 'subscriber_id', 'site_id', 'timezone'])
          .expression(matching)
          .execute();
        return Number(result?.numInsertedOrUpdatedRows ?? (await count(trx)));
      });
      // Fresh statistics of `notification_id`, or PostgreSQL guesses a few hundred rows and
      // reads every page by bitmap and sort instead of walking the primary key. That column
      // alone decides the plan (same plans as a full ANALYZE on a 1M-row snapshot, first and
      // last page) at a third of its cost (10–30 ms of CPU against 50–80 ms).
      if (dialect === 'postgres') await sql`ANALYZE target_snapshots (notification_id)`.execute(db);
      return total;
    },

    /**
     * The next `limit` subscribers of the snapshot after `afterId`, in id order, and where the
     * next page starts (null at the end). One deleted since the snapshot is still listed: its
     * delivery fails as "subscriber no longer exists", as when it goes between a window's
     * scan and its send.
     */
    async snapshotPage(
      notificationId: string,
      afterId: string | null,
      limit: number,
    ): Promise<{ rows: TargetRow[]; next: string | null }> {
      let q = db
        .selectFrom('target_snapshots')
        .select(['subscriber_id as id', 'site_id', 'timezone'])
        .where('notification_id', '=', notificationId)
        .orderBy('subscriber_id')
        .limit(limit);
      if (afterId) q = q.where('subscriber_id', '>', afterId);
      const rows = await q.execute();
      return { rows, next: rows.length < limit ? null : (rows.at(-1)?.id ?? null) };
    },

    /** Forgets the snapshot once the fan-out has queued every delivery (or was cancelled). */
    async dropSnapshot(notificationId: string, trx: Kysely<Database> = db): Promise<void> {
      await trx
        .deleteFrom('target_snapshots')
        .where('notification_id', '=', notificationId)
        .execute();
    },
  };
}
