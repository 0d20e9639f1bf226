import { sql, type Kysely, type RawBuilder } from 'kysely';
import { DAY_MS, HOUR_MS, type CapLimits } from '../domain/capping.ts';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';
import { inTransaction } from './transaction.ts';

/** One push about to be sent for the first time. */
export interface SlotRequest {
  deliveryId: string;
  subscriberId: string;
  campaignId: string;
  /** Serialises workers that check the same subscribers' caps (a subscriber has one site). */
  siteId: string;
  /** null: log the push without checking (no caps, or ignoreCapping). */
  limits: CapLimits | null;
  /**
   * Claimed before without an outcome (a lease ran out, a worker died): its slot may already
   * be logged, and then it keeps it rather than taking a second one.
   */
  reclaimed?: boolean;
}

/** Requests per statement (and per `IN` list of reclaimed ones). */
const CHUNK = 500;
/** First key of the two-key advisory locks (`pg_advisory_xact_lock(int, int)`): "caps". */
const CAP_LOCK_SPACE = 0x63617073;

/**
 * The push log behind per-subscriber caps (rolling windows over pushes a subscriber got).
 * Every push is logged; caps for a whole claimed batch are decided in one INSERT … SELECT per
 * chunk that logs the pushes whose subscriber still has room in every window and returns them.
 * SQLite runs that under its single write lock; PostgreSQL first takes a transaction-scoped
 * advisory lock per site with caps in the batch, because READ COMMITTED would let two workers
 * both see room.
 */
export function createCappingStore(db: Kysely<Database>, dialect: DialectName) {
  return {
    /**
     * Logs the pushes that may go and returns their delivery ids; the others are capped and
     * leave nothing behind.
     *
     * @example const granted = await store.capping.reserve(requests, Date.now());
     */
    async reserve(requests: readonly SlotRequest[], now: number): Promise<Set<string>> {
      const granted = new Set<string>();
      if (requests.length === 0) return granted;
      await inTransaction(db, async (trx) => {
        const reclaimed = requests.filter((r) => r.reclaimed).map((r) => r.deliveryId);
        for (let i = 0; i < reclaimed.length; i += CHUNK) {
          const held = await trx
            .selectFrom('push_log')
            .select('delivery_id')
            .where('delivery_id', 'in', reclaimed.slice(i, i + CHUNK))
            .execute();
          for (const row of held) if (row.delivery_id) granted.add(row.delivery_id);
        }
        const pending =
          granted.size > 0 ? requests.filter((r) => !granted.has(r.deliveryId)) : requests;
        if (dialect === 'postgres') {
          const sites = [...new Set(pending.filter((r) => r.limits).map((r) => r.siteId))];
          // Sorted, so two workers always lock in the same order and never deadlock.
          for (const site of sites.sort()) {
            await sql`SELECT pg_advisory_xact_lock(${sql.lit(CAP_LOCK_SPACE)}, hashtext(${site}))`.execute(
              trx,
            );
          }
        }
        // The statement counts the log as it was when it started, so two pushes for one
        // subscriber in one statement would both see the same room: one a round.
        for (const round of rounds(pending)) {
          for (let i = 0; i < round.length; i += CHUNK) {
            const result = await reserveStatement(round.slice(i, i + CHUNK), now, dialect).execute(
              trx,
            );
            for (const row of result.rows) granted.add(row.delivery_id);
          }
        }
      });
      return granted;
    },

    /** Gives back the slots of pushes that never reached the subscriber (failed, expired). */
    async release(deliveryIds: readonly string[], trx: Kysely<Database> = db): Promise<void> {
      for (let i = 0; i < deliveryIds.length; i += CHUNK) {
        await trx
          .deleteFrom('push_log')
          .where('delivery_id', 'in', deliveryIds.slice(i, i + CHUNK))
          .execute();
      }
    },

    /** Drops log rows older than any window (a day), so the table stays small. */
    async prune(now: number): Promise<void> {
      await db
        .deleteFrom('push_log')
        .where('sent_at', '<', now - 2 * DAY_MS)
        .execute();
    },
  };
}

function reserveStatement(
  requests: readonly SlotRequest[],
  now: number,
  dialect: DialectName,
): RawBuilder<{ delivery_id: string }> {
  // The batch travels as one JSON parameter: a 7-column VALUES list of 500 rows cost more
  // to build and for SQLite to prepare, every batch, than the statement's own work.
  const json = JSON.stringify(
    requests.map((r) => [
      r.deliveryId,
      r.subscriberId,
      r.campaignId,
      r.limits?.siteHour ?? null,
      r.limits?.siteDay ?? null,
      r.limits?.campaignHour ?? null,
      r.limits?.campaignDay ?? null,
    ]),
  );
  const column = (index: number, type: 'TEXT' | 'BIGINT') =>
    dialect === 'postgres'
      ? sql`CAST(j ->> ${sql.lit(index)} AS ${sql.raw(type)})`
      : sql`CAST(j.value ->> ${sql.lit(index)} AS ${sql.raw(type === 'TEXT' ? 'TEXT' : 'INTEGER')})`;
  const source =
    dialect === 'postgres'
      ? sql`jsonb_array_elements(${json}::jsonb) j`
      : sql`json_each(${json}) j`;
  const room = (limit: string, windowMs: number, ownCampaign: boolean) => sql`(
    b.${sql.ref(limit)} IS NULL OR (
      SELECT count(*) FROM push_log p
      WHERE p.subscriber_id = b.subscriber_id AND p.sent_at > ${now - windowMs}${
        ownCampaign ? sql` AND p.campaign_id = b.campaign_id` : sql``
      }) < b.${sql.ref(limit)})`;
  return sql<{ delivery_id: string }>`
    WITH b AS (
      SELECT ${column(0, 'TEXT')} AS delivery_id, ${column(1, 'TEXT')} AS subscriber_id,
        ${column(2, 'TEXT')} AS campaign_id, ${column(3, 'BIGINT')} AS site_hour,
        ${column(4, 'BIGINT')} AS site_day, ${column(5, 'BIGINT')} AS campaign_hour,
        ${column(6, 'BIGINT')} AS campaign_day
      FROM ${source})
    INSERT INTO push_log (delivery_id, subscriber_id, campaign_id, sent_at)
    SELECT b.delivery_id, b.subscriber_id, b.campaign_id, CAST(${now} AS BIGINT) FROM b
    WHERE ${room('site_hour', HOUR_MS, false)} AND ${room('site_day', DAY_MS, false)}
      AND ${room('campaign_hour', HOUR_MS, true)} AND ${room('campaign_day', DAY_MS, true)}
    RETURNING delivery_id`;
}

/** Splits requests so that no subscriber appears twice in one round, keeping their order. */
export function rounds<T extends { subscriberId: string }>(requests: readonly T[]): T[][] {
  const result: T[][] = [];
  const seen = new Map<string, number>();
  for (const request of requests) {
    const index = seen.get(request.subscriberId) ?? 0;
    seen.set(request.subscriberId, index + 1);
    (result[index] ??= []).push(request);
  }
  return result;
}

export type CappingStore = ReturnType<typeof createCappingStore>;
