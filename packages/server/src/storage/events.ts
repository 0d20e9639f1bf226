import type { Kysely } from 'kysely';
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
    async insert(events: readonly NewEvent[], now: number): Promise<{ inserted: number }> {
      if (events.length === 0) return { inserted: 0 };
      const result = await db
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
