import type { Kysely } from 'kysely';
import { fromJson } from './json.ts';
import type { Database, DeliveryStatus } from './schema.ts';

/** Whose events a subscriber's page shows: its own, and its user's when it has one. */
export interface ActivitySubject {
  workspaceId: string;
  subscriberId: string;
  externalId: string | null;
}

export interface ActivityEvent {
  id: string;
  type: string;
  name: string | null;
  occurredAt: number;
  receivedAt: number;
  properties: Record<string, unknown>;
}

export interface ActivityPush {
  deliveryId: string;
  notificationId: string;
  campaignId: string;
  messageId: string;
  status: DeliveryStatus;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
  finishedAt: number | null;
  receipts: { shown: number | null; clicked: number | null; closed: number | null };
}

/**
 * A subscriber's recent events and pushes, newest first, for its dashboard page.
 *
 * @example
 * const { events, pushes } = await store.activity.recent(subject, 20);
 */
export function createSubscriberActivity(db: Kysely<Database>) {
  return {
    /**
     * Events by `events_subscriber (subscriber_id, occurred_at)` and, for a user,
     * `events_workspace_external (workspace_id, external_id, occurred_at)`: two index
     * walks of at most `limit` rows each, merged here (an OR would defeat both indexes).
     */
    async events(subject: ActivitySubject, limit: number): Promise<ActivityEvent[]> {
      const bySubscriber = db
        .selectFrom('events')
        .selectAll()
        .where('subscriber_id', '=', subject.subscriberId)
        .orderBy('occurred_at', 'desc')
        .limit(limit)
        .execute()
        // Workspace checked here, not in SQL: with `workspace_id = ?` beside it, SQLite's
        // planner picks `events_workspace_occurred` and walks the whole workspace's events.
        .then((rows) => rows.filter((row) => row.workspace_id === subject.workspaceId));
      const byUser = subject.externalId
        ? db
            .selectFrom('events')
            .selectAll()
            .where('workspace_id', '=', subject.workspaceId)
            .where('external_id', '=', subject.externalId)
            .orderBy('occurred_at', 'desc')
            .limit(limit)
            .execute()
        : Promise.resolve([]);
      const rows = new Map<string, Awaited<typeof bySubscriber>[number]>();
      for (const row of [...(await bySubscriber), ...(await byUser)]) rows.set(row.id, row);
      return [...rows.values()]
        .sort((a, b) => Number(b.occurred_at) - Number(a.occurred_at) || (a.id < b.id ? 1 : -1))
        .slice(0, limit)
        .map((row) => ({
          id: row.id,
          type: row.type,
          name: row.name,
          occurredAt: Number(row.occurred_at),
          receivedAt: Number(row.received_at),
          properties: fromJson<Record<string, unknown>>(row.properties, {}),
        }));
    },

    /**
     * Deliveries newest first by their notification's creation: the walk goes down
     * `notifications_workspace_created (workspace_id, created_at)` and probes the unique
     * `(notification_id, subscriber_id)` for each, stopping at `limit` — deliveries have no
     * index led by `subscriber_id`, and a scan of them would grow with every send.
     */
    async pushes(subject: ActivitySubject, limit: number): Promise<ActivityPush[]> {
      const rows = await db
        .selectFrom('notifications as n')
        .innerJoin('deliveries as d', (join) =>
          join
            .onRef('d.notification_id', '=', 'n.id')
            .on('d.subscriber_id', '=', subject.subscriberId),
        )
        .select([
          'd.id',
          'd.notification_id',
          'd.campaign_id',
          'd.message_id',
          'd.status',
          'd.last_error',
          'd.sent_at',
          'd.finished_at',
          'n.created_at',
          'n.send_at',
        ])
        // A delivery is in its notification's workspace; a `d.workspace_id` test here would
        // tempt PostgreSQL into `deliveries_workspace_finished` instead of the unique probe.
        .where('n.workspace_id', '=', subject.workspaceId)
        .orderBy('n.created_at', 'desc')
        .orderBy('n.id', 'desc')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      // Receipts by their primary key (delivery_id, kind): at most three rows a delivery.
      const receipts = await db
        .selectFrom('receipts')
        .select(['delivery_id', 'kind', 'at'])
        .where(
          'delivery_id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
      const byDelivery = new Map<string, ActivityPush['receipts']>();
      for (const row of rows) byDelivery.set(row.id, { shown: null, clicked: null, closed: null });
      for (const receipt of receipts) {
        const slot = byDelivery.get(receipt.delivery_id);
        if (
          slot &&
          (receipt.kind === 'shown' || receipt.kind === 'clicked' || receipt.kind === 'closed')
        )
          slot[receipt.kind] = Number(receipt.at);
      }
      return rows.map((row) => ({
        deliveryId: row.id,
        notificationId: row.notification_id,
        campaignId: row.campaign_id,
        messageId: row.message_id,
        status: row.status,
        lastError: row.last_error,
        // A scheduled send's deliveries exist from its send time (receipts.ts: deliveryCreatedAt).
        createdAt: Math.max(Number(row.created_at), Number(row.send_at)),
        sentAt: row.sent_at === null ? null : Number(row.sent_at),
        finishedAt: row.finished_at === null ? null : Number(row.finished_at),
        receipts: byDelivery.get(row.id) ?? { shown: null, clicked: null, closed: null },
      }));
    },
  };
}

export type SubscriberActivity = ReturnType<typeof createSubscriberActivity>;
