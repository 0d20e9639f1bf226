import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { DialectName } from './database.ts';
import type { StatIncrement } from './campaigns.ts';
import { countEndings } from './subscriber-stats.ts';
import type { Database, DeliveryStatus, DeliveryTable } from './schema.ts';

export type DeliveryRow = Selectable<DeliveryTable>;

export interface NewDelivery {
  id: string;
  notificationId: string;
  workspaceId: string;
  subscriberId: string;
  siteId: string;
  campaignId: string;
  messageId: string;
  status: 'queued' | 'capped';
  nextAttemptAt: number;
  expiresAt: number;
  /** Sent with ignoreCapping: caps did not apply, and the count says so. */
  cappingIgnored?: boolean;
}

/** What happened to one claimed delivery, decided by the worker. */
export type DeliveryResult =
  | { kind: 'delivered'; requested: true }
  | { kind: 'failed'; reason: string; requested: boolean; deleteSubscriber?: boolean }
  | { kind: 'expired'; requested: boolean }
  | { kind: 'capped'; requested: false }
  /** Its notification was cancelled: no request is made now (`requested`: one was before). */
  | { kind: 'cancelled'; requested: boolean }
  /** `requested: false`: no push request was made (the worker failed before sending). */
  | { kind: 'retry'; at: number; reason: string; requested?: boolean }
  /**
   * Not sent, because this worker is shutting down: only the lease is given back, so another
   * worker claims it at once (no lease timeout). Its cap slot stays: a later claim counts as
   * a reclaim (attempts > 1) and keeps it rather than logging a second.
   */
  | { kind: 'released' };

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

export function createDeliveryStore(db: Kysely<Database>, dialect: DialectName) {
  const deliveries = {
    /** Idempotent: a delivery for the same (notification, subscriber) is written once. */
    async insertMany(rows: readonly NewDelivery[], trx: Kysely<Database> = db): Promise<void> {
      if (rows.length === 0) return;
      // 500 rows × 14 columns stays under SQLite's 32,766 bound-parameter limit.
      for (let i = 0; i < rows.length; i += 500) {
        await trx
          .insertInto('deliveries')
          .values(
            rows.slice(i, i + 500).map((r) => ({
              id: r.id,
              notification_id: r.notificationId,
              workspace_id: r.workspaceId,
              subscriber_id: r.subscriberId,
              site_id: r.siteId,
              campaign_id: r.campaignId,
              message_id: r.messageId,
              status: r.status,
              next_attempt_at: r.nextAttemptAt,
              lease_until: null,
              expires_at: r.expiresAt,
              sent_at: null,
              finished_at: r.status === 'queued' ? null : r.nextAttemptAt,
              last_error: null,
              capping_ignored: r.cappingIgnored ? 1 : 0,
            })),
          )
          .onConflict((oc) => oc.columns(['notification_id', 'subscriber_id']).doNothing())
          .execute();
      }
    },

    /**
     * Claims up to `limit` due deliveries with a lease. A worker that dies before recording
     * the outcome leaves the lease to expire and the delivery is sent again (at least once).
     */
    async claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
      let due = db
        .selectFrom('deliveries')
        .select('id')
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit);
      if (dialect === 'postgres') due = due.forUpdate().skipLocked();
      return db
        .updateTable('deliveries')
        .set({ lease_until: now + leaseMs, attempts: sql`attempts + 1` })
        .where('id', 'in', due)
        .returningAll()
        .execute();
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
      await db.transaction().execute(async (trx) => {
        for (const update of updates) {
          for (let i = 0; i < update.ids.length; i += ID_CHUNK) {
            await trx
              .updateTable('deliveries')
              .set(update.set)
              // The first request's time; an earlier one (a retry's) stays.
              .$if(update.requested, (q) => q.set({ sent_at: sql`coalesce(sent_at, ${now})` }))
              .where('id', 'in', update.ids.slice(i, i + ID_CHUNK))
              .execute();
          }
        }
        await addStats(increments, trx);
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
