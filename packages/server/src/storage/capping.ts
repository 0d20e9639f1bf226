import { sql, type Kysely, type SqlBool } from 'kysely';
import type { CapRule } from '../domain/capping.ts';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';

/**
 * Per-subscriber caps, enforced atomically across workers: a push is logged only if every
 * rolling window still has room, in one INSERT … SELECT … WHERE. SQLite runs that under
 * its single write lock; PostgreSQL first takes a transaction-scoped advisory lock on the
 * subscriber, because READ COMMITTED would let two workers both see room.
 */
export function createCappingStore(db: Kysely<Database>, dialect: DialectName) {
  return {
    /** Logs the push and returns true if the caps allow it; false: capped, nothing logged. */
    async reserve(
      subscriberId: string,
      campaignId: string,
      rules: readonly CapRule[],
      now: number,
    ): Promise<boolean> {
      const room = rules.map(
        (rule) =>
          sql<SqlBool>`(SELECT count(*) FROM push_log p WHERE p.subscriber_id = ${subscriberId} AND p.sent_at > ${now - rule.windowMs}${
            rule.campaignId === null ? sql`` : sql` AND p.campaign_id = ${rule.campaignId}`
          }) < ${rule.max}`,
      );
      const allowed = room.length > 0 ? sql.join(room, sql` AND `) : sql`1 = 1`;
      return db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') {
          await sql`SELECT pg_advisory_xact_lock(hashtext(${subscriberId}))`.execute(trx);
        }
        const result = await sql`
          INSERT INTO push_log (subscriber_id, campaign_id, sent_at)
          SELECT ${subscriberId}, ${campaignId}, ${now} WHERE ${allowed}`.execute(trx);
        return Number(result.numAffectedRows ?? 0) > 0;
      });
    },

    /** Logs a push sent without checking (ignoreCapping): it still counts against later ones. */
    async log(subscriberId: string, campaignId: string, now: number): Promise<void> {
      await db
        .insertInto('push_log')
        .values({ subscriber_id: subscriberId, campaign_id: campaignId, sent_at: now })
        .execute();
    },

    /** Drops log rows older than any window (a day), so the table stays small. */
    async prune(now: number): Promise<void> {
      await db
        .deleteFrom('push_log')
        .where('sent_at', '<', now - 2 * 24 * 3_600_000)
        .execute();
    },
  };
}

export type CappingStore = ReturnType<typeof createCappingStore>;
