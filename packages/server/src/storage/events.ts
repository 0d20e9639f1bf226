import { sql, type Kysely } from 'kysely';
import { newId } from './ids.ts';
import { toJson } from './json.ts';
import type { Database } from './schema.ts';

export interface NewEvent {
  workspaceId: string;
  siteId: string | null;
  subscriberId: string | null;
  anonymousId: string | null;
  externalId: string | null;
  type: 'page' | 'track' | 'identify';
  name: string | null;
  properties: Record<string, unknown>;
  messageId: string | null;
  occurredAt: number;
}

export function createEventStore(db: Kysely<Database>) {
  return {
    /** Records events; one whose `messageId` was seen before in the workspace is skipped. */
    async insert(
      events: readonly NewEvent[],
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<{ inserted: number }> {
      if (events.length === 0) return { inserted: 0 };
      const result = await trx
        .insertInto('events')
        .values(
          events.map((e) => ({
            id: newId('evt'),
            workspace_id: e.workspaceId,
            site_id: e.siteId,
            subscriber_id: e.subscriberId,
            anonymous_id: e.anonymousId,
            external_id: e.externalId,
            type: e.type,
            name: e.name,
            properties: toJson(e.properties),
            message_id: e.messageId,
            occurred_at: e.occurredAt,
            received_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['workspace_id', 'message_id']).doNothing())
        .executeTakeFirst();
      return { inserted: Number(result.numInsertedOrUpdatedRows ?? 0) };
    },

    /** Which of these message ids the workspace has already seen. */
    async seenMessageIds(workspaceId: string, messageIds: readonly string[]): Promise<Set<string>> {
      if (messageIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('events')
        .select('message_id')
        .where('workspace_id', '=', workspaceId)
        .where('message_id', 'in', messageIds)
        .execute();
      return new Set(rows.map((r) => r.message_id ?? ''));
    },

    /** Gives a subscriber the events its browser recorded before it subscribed. */
    async attachToSubscriber(
      workspaceId: string,
      anonymousId: string,
      subscriberId: string,
    ): Promise<void> {
      await db
        .updateTable('events')
        .set({ subscriber_id: subscriberId })
        .where('workspace_id', '=', workspaceId)
        .where('anonymous_id', '=', anonymousId)
        .where('subscriber_id', 'is', null)
        .execute();
    },

    async countIngestion(
      workspaceId: string,
      counts: { received: number; dropped: number; duplicates: number },
    ): Promise<void> {
      if (counts.received + counts.dropped + counts.duplicates === 0) return;
      await db
        .insertInto('ingestion_counters')
        .values({ workspace_id: workspaceId, ...counts })
        .onConflict((oc) =>
          oc.column('workspace_id').doUpdateSet({
            received: sql`ingestion_counters.received + ${counts.received}`,
            dropped: sql`ingestion_counters.dropped + ${counts.dropped}`,
            duplicates: sql`ingestion_counters.duplicates + ${counts.duplicates}`,
          }),
        )
        .execute();
    },

    async ingestionCounts(workspaceId: string) {
      const row = await db
        .selectFrom('ingestion_counters')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      return {
        received: Number(row?.received ?? 0),
        dropped: Number(row?.dropped ?? 0),
        duplicates: Number(row?.duplicates ?? 0),
      };
    },

    /** Joins earlier anonymous activity to the user once it is identified. */
    async attachAnonymous(
      workspaceId: string,
      anonymousId: string,
      externalId: string,
    ): Promise<void> {
      await db
        .updateTable('events')
        .set({ external_id: externalId })
        .where('workspace_id', '=', workspaceId)
        .where('anonymous_id', '=', anonymousId)
        .where('external_id', 'is', null)
        .execute();
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
