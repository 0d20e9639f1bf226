import { sql, type Kysely } from 'kysely';
import type { Target } from '../domain/target.ts';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';
import type { SubscriberQuery, TargetRow } from './target-row.ts';

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
     * many there are. Safe to repeat (a fan-out taken over after a crash): rows already
     * there stay, so a worker still paging through them is never left short.
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
      const insert = (trx: Kysely<Database>) =>
        trx
          .insertInto('target_snapshots')
          .columns(['notification_id', 'subscriber_id', 'site_id', 'timezone'])
          .expression(matching)
          .onConflict((oc) => oc.columns(['notification_id', 'subscriber_id']).doNothing())
          .execute();
      if (dialect === 'postgres') {
        // No JIT: the planner costs each subscriber's rule test as index probes (millions of
        // units over 1M subscribers), far past `jit_above_cost`, so it compiled and
        // optimised ~50 functions every time — up to a third of the statement in the bench
        // — for a plan whose work is hash probes and index reads that JIT does not speed up.
        await db.transaction().execute(async (trx) => {
          await sql`SET LOCAL jit = off`.execute(trx);
          await insert(trx);
        });
      } else await insert(db);
      // Fresh statistics, or PostgreSQL guesses a few hundred rows and reads every page by
      // bitmap and sort instead of walking the primary key (a sample: milliseconds).
      if (dialect === 'postgres') await sql`ANALYZE target_snapshots`.execute(db);
      const row = await db
        .selectFrom('target_snapshots')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('notification_id', '=', notificationId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
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
