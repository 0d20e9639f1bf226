import { sql, type Kysely, type Updateable } from 'kysely';
import type { DialectName } from './database.ts';
import type { StatIncrement } from './campaigns.ts';
import { countEndings } from './subscriber-stats.ts';
import type { Database, DeliveryStatus, DeliveryTable } from './schema.ts';
import { inTransaction } from './transaction.ts';
import { createLaneClaims } from './lane-claims.ts';
import { cappedAtFanOut, deliveryEvents } from './delivery-events.ts';
import { enqueueEvents } from './outbox.ts';
import type { DeliveryResult, DeliveryRow, NewDelivery } from './delivery-types.ts';

export type { DeliveryResult, DeliveryRow, NewDelivery };

export interface NotificationCounts {
  targeted: number;
  queued: number;
  sent: number;
  delivered: number;
  failed: number;
  capped: number;
  expired: number;
  cappingIgnored: number;
  cancelled: number;
}

function emptyCounts(): NotificationCounts {
  return {
    targeted: 0,
    queued: 0,
    sent: 0,
    delivered: 0,
    failed: 0,
    capped: 0,
    expired: 0,
    cappingIgnored: 0,
    cancelled: 0,
  };
}

/** Deliveries per INSERT: a JSON parameter of a few hundred kB at most. */
const INSERT_CHUNK = 2_000;

export function createDeliveryStore(db: Kysely<Database>, dialect: DialectName) {
  const claims = createLaneClaims(db, dialect);
  const deliveries = {
    /**
     * Idempotent: a delivery for the same (notification, subscriber) is written once. Rows
     * travel as one JSON parameter per statement (as in events.insertFanned): a fan-out
     * writes every delivery through here, and building a 15-column VALUES list costs the
     * main thread ~9 µs a row against ~3 µs for the JSON (SQLite; ~6 against ~1 on PostgreSQL).
     */
    async insertMany(
      rows: readonly NewDelivery[],
      trx: Kysely<Database> = db,
    ): Promise<DeliveryRow[]> {
      /** Rows written leased (`leaseUntil`), for their writer to send: only those inserted. */
      const leased: DeliveryRow[] = [];
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        const returning = chunk.some((r) => r.leaseUntil !== undefined);
        const json = JSON.stringify(
          chunk.map((r) => [
            r.id,
            r.notificationId,
            r.workspaceId,
            r.subscriberId,
            r.siteId,
            r.campaignId,
            r.messageId,
            r.status,
            r.nextAttemptAt,
            r.expiresAt,
            r.cappingIgnored ? 1 : 0,
            r.lane ?? 'bulk',
            r.leaseUntil ?? null,
          ]),
        );
        const column = (index: number, type: 'TEXT' | 'BIGINT' | 'INTEGER') =>
          dialect === 'postgres'
            ? sql`CAST(r ->> ${sql.lit(index)} AS ${sql.raw(type)})`
            : sql`CAST(r.value ->> ${sql.lit(index)} AS ${sql.raw(type === 'TEXT' ? 'TEXT' : 'INTEGER')})`;
        const source =
          dialect === 'postgres'
            ? sql`jsonb_array_elements(${json}::jsonb) r`
            : sql`json_each(${json}) r`;
        // `WHERE true`: SQLite would read `ON` as a join's without it.
        const inserted = await sql<DeliveryRow>`
          INSERT INTO deliveries (id, notification_id, workspace_id, subscriber_id, site_id,
            campaign_id, message_id, status, next_attempt_at, lease_until, expires_at, sent_at,
            finished_at, last_error, capping_ignored, lane, attempts)
          SELECT id, notification_id, workspace_id, subscriber_id, site_id, campaign_id,
            message_id, status, next_attempt_at, lease_until, expires_at, NULL,
            CASE WHEN status = 'queued' THEN NULL ELSE next_attempt_at END, NULL, capping_ignored,
            lane, CASE WHEN lease_until IS NULL THEN 0 ELSE 1 END
          FROM (SELECT ${column(0, 'TEXT')} AS id, ${column(1, 'TEXT')} AS notification_id,
              ${column(2, 'TEXT')} AS workspace_id, ${column(3, 'TEXT')} AS subscriber_id,
              ${column(4, 'TEXT')} AS site_id, ${column(5, 'TEXT')} AS campaign_id,
              ${column(6, 'TEXT')} AS message_id, ${column(7, 'TEXT')} AS status,
              ${column(8, 'BIGINT')} AS next_attempt_at, ${column(9, 'BIGINT')} AS expires_at,
              ${column(10, 'INTEGER')} AS capping_ignored, ${column(11, 'TEXT')} AS lane,
              ${column(12, 'BIGINT')} AS lease_until
            FROM ${source}) d
          WHERE true
          ON CONFLICT (notification_id, subscriber_id) DO NOTHING
          ${returning ? sql`RETURNING *` : sql``}`.execute(trx);
        for (const row of inserted.rows) if (row.lease_until !== null) leased.push(row);
      }
      // Events out. A re-run fan-out page (after a crash) was rolled back with its events.
      await enqueueEvents(trx, cappedAtFanOut(rows));
      return leased;
    },

    /**
     * Claims up to `limit` due deliveries with a lease, express before bulk. A worker that
     * dies before recording the outcome leaves the lease to expire and the delivery is sent
     * again (at least once). The workers use the lane claims below; this is for scripts.
     */
    async claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
      const express = await claims.express(now, leaseMs, limit, null);
      if (express.rows.length === limit) return express.rows;
      const bulk = await claims.bulk(now, leaseMs, limit - express.rows.length, null);
      return [...express.rows, ...bulk.rows];
    },

    /** Express deliveries, fair between workspaces: see lane-claims.ts. */
    claimExpress: claims.express,

    /** A batch of one workspace's bulk deliveries, workspaces in turn: see lane-claims.ts. */
    claimBulk: claims.bulk,

    /**
     * Renews the lease on deliveries a worker still holds (its batch is still sending), but
     * only where the lease is still the one it holds: false when any was lost meanwhile.
     */
    async renewLeases(ids: readonly string[], from: number, to: number): Promise<boolean> {
      let renewed = 0;
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const result = await db
          .updateTable('deliveries')
          .set({ lease_until: to })
          .where('id', 'in', ids.slice(i, i + ID_CHUNK))
          .where('status', '=', 'queued')
          .where('lease_until', '=', from)
          .executeTakeFirst();
        renewed += Number(result.numUpdatedRows);
      }
      return renewed === ids.length;
    },

    /**
     * Records a batch of outcomes, their stats and any dead subscriptions in one transaction:
     * one UPDATE per kind of outcome (`id IN (…)`), retries grouped by time and reason, and
     * stats merged per campaign message — a few statements per batch, not one per delivery.
     */
    async record(
      results: ReadonlyArray<{ delivery: DeliveryRow; result: DeliveryResult }>,
      now: number,
      addStats: (increments: StatIncrement[], trx: Kysely<Database>) => Promise<void>,
    ): Promise<void> {
      if (results.length === 0) return;
      const { updates, increments, goneSubscribers, unreceived } = planRecord(results, now);
      await inTransaction(db, async (trx) => {
        for (const update of updates) {
          for (let i = 0; i < update.ids.length; i += ID_CHUNK) {
            await trx
              .updateTable('deliveries')
              .set(update.set)
              // The first request's time; an earlier one (a retry's) stays.
              .$if(update.requested, (q) => q.set({ sent_at: sql`coalesce(sent_at, ${now})` }))
              .where('id', 'in', idList(update.ids.slice(i, i + ID_CHUNK)))
              .execute();
          }
        }
        await addStats(increments, trx);
        await enqueueEvents(trx, deliveryEvents(results, now));
        // Caps count pushes a subscriber got: one that never arrived gives its slot back.
        for (let i = 0; i < unreceived.length; i += ID_CHUNK) {
          await trx
            .deleteFrom('push_log')
            .where('delivery_id', 'in', unreceived.slice(i, i + ID_CHUNK))
            .execute();
        }
        if (goneSubscribers.length > 0) {
          await countEndings(trx, goneSubscribers, 'gone', now);
          await trx
            .deleteFrom('subscriber_categories')
            .where('subscriber_id', 'in', goneSubscribers)
            .execute();
          await trx.deleteFrom('subscribers').where('id', 'in', goneSubscribers).execute();
        }
      });
    },

    async counts(notificationId: string): Promise<NotificationCounts> {
      return (await deliveries.countsMany([notificationId])).get(notificationId) ?? emptyCounts();
    },

    /** Counts of several notifications in one grouped read (a page of the list). */
    async countsMany(notificationIds: readonly string[]): Promise<Map<string, NotificationCounts>> {
      const byId = new Map(notificationIds.map((id) => [id, emptyCounts()]));
      if (notificationIds.length === 0) return byId;
      const rows = await db
        .selectFrom('deliveries')
        .select((eb) => [
          'notification_id',
          'status',
          eb.fn.countAll<number>().as('n'),
          eb.fn.count<number>('sent_at').as('sent'),
          eb.fn.sum<number>('capping_ignored').as('ignored'),
        ])
        .where('notification_id', 'in', notificationIds)
        .groupBy(['notification_id', 'status'])
        .execute();
      for (const row of rows) {
        const counts = byId.get(row.notification_id);
        if (!counts) continue;
        counts.targeted += Number(row.n);
        counts.sent += Number(row.sent);
        counts.cappingIgnored += Number(row.ignored ?? 0);
        counts[row.status] += Number(row.n);
      }
      return byId;
    },

    /**
     * Why a notification's deliveries failed, most frequent first: each reason (status and
     * the push service's own words) with how many deliveries it ended.
     */
    async failureReasons(
      notificationId: string,
      limit = 10,
    ): Promise<Array<{ reason: string; count: number }>> {
      return (
        (await deliveries.failureReasonsMany([notificationId], limit)).get(notificationId) ?? []
      );
    },

    /** `failureReasons` of several notifications in one grouped read. */
    async failureReasonsMany(
      notificationIds: readonly string[],
      limit = 10,
    ): Promise<Map<string, Array<{ reason: string; count: number }>>> {
      const byId = new Map(
        notificationIds.map((id) => [id, [] as Array<{ reason: string; count: number }>]),
      );
      if (notificationIds.length === 0) return byId;
      const rows = await db
        .selectFrom('deliveries')
        .select((eb) => ['notification_id', 'last_error', eb.fn.countAll<number>().as('n')])
        .where('notification_id', 'in', notificationIds)
        .where('status', '=', 'failed')
        .groupBy(['notification_id', 'last_error'])
        .orderBy('n', 'desc')
        .orderBy('last_error')
        .execute();
      for (const row of rows) {
        const reasons = byId.get(row.notification_id);
        if (reasons && reasons.length < limit)
          reasons.push({ reason: row.last_error ?? 'unknown', count: Number(row.n) });
      }
      return byId;
    },

    /** A delivery as a receipt from a site may see it: only one that was sent for that site. */
    async getOnSite(siteId: string, id: string): Promise<DeliveryRow | undefined> {
      return db
        .selectFrom('deliveries')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .executeTakeFirst();
    },
  };

  /**
   * Ids as one JSON parameter: the statement's text is the same whatever their number, so it
   * is prepared once (statement-cache.ts), and Kysely builds one node, not one per id — the
   * outcome recorder runs this for every group of a fan-out.
   */
  function idList(ids: readonly string[]) {
    const json = JSON.stringify(ids);
    return dialect === 'postgres'
      ? sql<string>`(SELECT jsonb_array_elements_text(${json}::jsonb))`
      : sql<string>`(SELECT value FROM json_each(${json}))`;
  }

  return deliveries;
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;

/** Ids per `IN (…)`: far below SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
const ID_CHUNK = 500;

type DeliveryStatCounts = { sent: number; delivered: number; failed: number; capped: number };

interface PlannedUpdate {
  set: Updateable<DeliveryTable>;
  /** A push request was made: set `sent_at` if this is the first. */
  requested: boolean;
  ids: string[];
}

/** Groups outcomes into the few UPDATEs that record them, and sums their stats. Pure. */
export function planRecord(
  results: ReadonlyArray<{ delivery: DeliveryRow; result: DeliveryResult }>,
  now: number,
): {
  updates: PlannedUpdate[];
  increments: StatIncrement[];
  goneSubscribers: string[];
  /** Deliveries that ended without reaching the subscriber: their push_log slots go. */
  unreceived: string[];
} {
  const updates = new Map<string, PlannedUpdate>();
  const stats = new Map<string, StatIncrement & { counts: DeliveryStatCounts }>();
  const goneSubscribers: string[] = [];
  const unreceived: string[] = [];
  const released: string[] = [];
  for (const { delivery, result } of results) {
    if (result.kind === 'released') {
      released.push(delivery.id);
      continue;
    }
    if (result.kind === 'failed' || result.kind === 'expired' || result.kind === 'cancelled')
      unreceived.push(delivery.id);
    const requested = result.kind === 'retry' ? result.requested !== false : result.requested;
    let set: Updateable<DeliveryTable>;
    if (result.kind === 'retry') {
      set = { lease_until: null, next_attempt_at: result.at, last_error: result.reason };
    } else {
      set = { lease_until: null, status: result.kind satisfies DeliveryStatus, finished_at: now };
      if (result.kind === 'failed') set.last_error = result.reason;
      if (result.kind === 'failed' && result.deleteSubscriber) {
        goneSubscribers.push(delivery.subscriber_id);
      }
    }
    const key = JSON.stringify([set.status, set.next_attempt_at, set.last_error, requested]);
    let update = updates.get(key);
    if (!update) updates.set(key, (update = { set, requested, ids: [] }));
    update.ids.push(delivery.id);

    const statKey = `${delivery.campaign_id}\u0000${delivery.message_id}`;
    let stat = stats.get(statKey);
    if (!stat) {
      stat = {
        workspaceId: delivery.workspace_id,
        campaignId: delivery.campaign_id,
        messageId: delivery.message_id,
        at: now,
        counts: { sent: 0, delivered: 0, failed: 0, capped: 0 },
      };
      stats.set(statKey, stat);
    }
    if (requested && delivery.sent_at === null) stat.counts.sent += 1;
    if (result.kind === 'delivered') stat.counts.delivered += 1;
    if (result.kind === 'failed') stat.counts.failed += 1;
    if (result.kind === 'capped') stat.counts.capped += 1;
  }
  if (released.length > 0) {
    updates.set('released', { set: { lease_until: null }, requested: false, ids: released });
  }
  return {
    updates: [...updates.values()],
    increments: [...stats.values()],
    goneSubscribers,
    unreceived,
  };
}
