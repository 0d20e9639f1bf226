import type { Insertable, Kysely, Selectable } from 'kysely';
import { listNotifications, type NotificationFilter } from './notification-list.ts';
import type { NotificationContent, Urgency } from '../domain/content.ts';
import type { Target } from '../domain/target.ts';
import { fromJson, toJson } from './json.ts';
import type { Database, NotificationTable } from './schema.ts';
import { inTransaction } from './transaction.ts';
import type { Page, PageRequest } from './cursor-page.ts';

// Domain types, re-exported for the modules that found them here.
export type { NotificationContent, Urgency };

export interface Notification {
  id: string;
  workspaceId: string;
  campaignId: string;
  messageId: string;
  content: NotificationContent;
  target: Target;
  ttl: number;
  urgency: Urgency;
  topic: string | null;
  ignoreCapping: boolean;
  sendAt: number;
  expiresAt: number;
  cancelled: boolean;
  jobId: string;
  createdAt: number;
  /** Deliver only between these local times in each subscriber's timezone; later ones wait. */
  deliveryWindow?: DeliveryWindow | null;
  /** The trigger whose send step made it: delivery outcomes feed that trigger's stats. */
  triggerId?: string | null;
  /** What `{{properties.x}}` renders with in each delivery (a trigger's event); else none. */
  properties?: Record<string, unknown> | null;
  /** Spreads the fan-out: at most this many deliveries fall due a minute (domain/throttle.ts). */
  throttle?: { perMinute: number } | null;
}

export interface DeliveryWindow {
  start: string;
  end: string;
}

export function toNotification(row: Selectable<NotificationTable>): Notification {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    campaignId: row.campaign_id,
    messageId: row.message_id,
    content: fromJson(row.content, { title: '', body: '' }),
    target: fromJson(row.target, {}),
    ttl: Number(row.ttl),
    urgency: row.urgency as Urgency,
    topic: row.topic,
    ignoreCapping: row.ignore_capping === 1,
    sendAt: row.send_at,
    expiresAt: row.expires_at,
    cancelled: row.cancelled === 1,
    jobId: row.job_id,
    createdAt: row.created_at,
    deliveryWindow: fromJson(row.delivery_window, null),
    triggerId: row.trigger_id,
    properties: fromJson(row.properties, null),
    throttle: row.throttle_per_minute ? { perMinute: Number(row.throttle_per_minute) } : null,
  };
}

function toRow(n: Notification): Insertable<NotificationTable> {
  return {
    id: n.id,
    workspace_id: n.workspaceId,
    campaign_id: n.campaignId,
    message_id: n.messageId,
    content: toJson(n.content),
    target: toJson(n.target),
    ttl: n.ttl,
    urgency: n.urgency,
    topic: n.topic,
    ignore_capping: n.ignoreCapping ? 1 : 0,
    send_at: n.sendAt,
    expires_at: n.expiresAt,
    cancelled: n.cancelled ? 1 : 0,
    job_id: n.jobId,
    created_at: n.createdAt,
    delivery_window: n.deliveryWindow ? toJson(n.deliveryWindow) : null,
    trigger_id: n.triggerId ?? null,
    properties: n.properties ? toJson(n.properties) : null,
    throttle_per_minute: n.throttle?.perMinute ?? null,
  };
}

export function createNotificationStore(db: Kysely<Database>) {
  const store = {
    async insert(n: Notification, trx: Kysely<Database> = db): Promise<void> {
      await store.insertMany([n], trx);
    },

    /** Several in one statement (a group commit of sends, notifications/send-intake.ts). */
    async insertMany(ns: readonly Notification[], trx: Kysely<Database> = db): Promise<void> {
      if (ns.length === 0) return;
      await trx.insertInto('notifications').values(ns.map(toRow)).execute();
    },

    async get(workspaceId: string, id: string): Promise<Notification | undefined> {
      const row = await db
        .selectFrom('notifications')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toNotification(row);
    },

    /**
     * Marks the notification cancelled and ends its queued deliveries in one transaction.
     * False when it is not this workspace's or was already cancelled (nothing changes).
     * A fan-out page committed before is ended here; a later one sees the flag and writes
     * nothing (`isCancelled`).
     */
    async cancel(workspaceId: string, id: string, now: number): Promise<boolean> {
      return inTransaction(db, async (trx) => {
        const marked = await trx
          .updateTable('notifications')
          .set({ cancelled: 1 })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .where('cancelled', '=', 0)
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) === 0) return false;
        await trx
          .updateTable('deliveries')
          .set({ status: 'cancelled', finished_at: now, lease_until: null })
          .where('notification_id', '=', id)
          .where('status', '=', 'queued')
          .execute();
        return true;
      });
    },

    /**
     * Inside a fan-out page's transaction: whether the notification was cancelled. A plain
     * read, not a row lock: a page racing the cancel may still commit queued deliveries, and
     * the worker that claims them finds the flag and ends them `cancelled` without a request
     * (delivery-worker.ts), so nothing is sent either way and the fan-out never waits on a lock.
     */
    async isCancelled(id: string, trx: Kysely<Database> = db): Promise<boolean> {
      const row = await trx
        .selectFrom('notifications')
        .select('cancelled')
        .where('id', '=', id)
        .executeTakeFirst();
      return !row || Number(row.cancelled) === 1;
    },

    /** A page of the workspace's notifications, newest first (see notification-list.ts). */
    async list(
      workspaceId: string,
      filter: NotificationFilter,
      page: PageRequest,
      now: number,
    ): Promise<Page<Notification>> {
      const rows = await listNotifications(db, workspaceId, filter, page, now);
      return { ...rows, data: rows.data.map(toNotification) };
    },

    /** Which of these notifications are cancelled (a worker asks while its batch is sending). */
    async cancelledAmong(ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db
        .selectFrom('notifications')
        .select('id')
        .where('id', 'in', ids)
        .where('cancelled', '=', 1)
        .execute();
      return new Set(rows.map((r) => r.id));
    },

    async exists(id: string): Promise<boolean> {
      const row = await db
        .selectFrom('notifications')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined;
    },

    async getMany(ids: readonly string[]): Promise<Notification[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('notifications')
        .selectAll()
        .where('id', 'in', ids)
        .execute();
      return rows.map(toNotification);
    },
  };
  return store;
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
