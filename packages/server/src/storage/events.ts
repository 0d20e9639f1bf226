import { sql, type Kysely, type SqlBool } from 'kysely';
import { parseWhere } from '../domain/conditions.ts';
import type { DialectName } from './database.ts';
import { newId } from './ids.ts';
import { toJson } from './json.ts';
import { whereSql } from './rule-sql.ts';
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
  /** When the server received it, if not the `now` it is inserted at (a group commit). */
  receivedAt?: number;
}

/** Who one of a fan of identical events is about: a user, or a bare subscriber. */
export interface EventSubject {
  externalId: string | null;
  subscriberId: string | null;
}

/** "Did this user (or bare subscriber) do `event`, matching `where`, since `since`?" (receive times) */
export interface EventSinceQuery extends EventSubject {
  workspaceId: string;
  event: string;
  where?: Record<string, unknown> | undefined;
  since: number;
}

export function createEventStore(db: Kysely<Database>, dialect: DialectName) {
  return {
    /** True when such an event was recorded (a trigger's `unless` step). */
    async happenedSince(q: EventSinceQuery): Promise<boolean> {
      const who = q.externalId
        ? sql<SqlBool>`e.external_id = ${q.externalId}`
        : sql<SqlBool>`e.subscriber_id = ${q.subscriberId}`;
      const where = q.where
        ? sql<SqlBool>` AND ${whereSql(parseWhere(q.where), sql.ref('e.properties'), dialect)}`
        : sql``;
      const result = await sql<{ one: number }>`
        SELECT 1 AS one FROM events e
        WHERE e.workspace_id = ${q.workspaceId} AND e.name = ${q.event} AND ${who}
          AND e.received_at >= ${q.since}${where}
        LIMIT 1`.execute(db);
      return result.rows.length > 0;
    },

    /**
     * Records the same event (name, properties, time) for many users or subscribers in one
     * statement whose rows travel as one JSON parameter: an import of 100,000 audience
     * members emits its Audience Entered events at half the cost of a multi-row VALUES
     * with twelve parameters a row. No `messageId`, so nothing is de-duplicated.
     *
     * @example await events.insertFanned(template, [{ externalId: 'u-1', subscriberId: null }], now);
     */
    async insertFanned(
      template: Omit<NewEvent, 'externalId' | 'subscriberId' | 'messageId' | 'anonymousId'>,
      subjects: readonly EventSubject[],
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<void> {
      if (subjects.length === 0) return;
      const rows = JSON.stringify(
        subjects.map((s) => [newId('evt'), s.externalId, s.subscriberId]),
      );
      const source =
        dialect === 'postgres'
          ? sql`SELECT r->>0 AS id, r->>1 AS external_id, r->>2 AS subscriber_id FROM jsonb_array_elements(${rows}::jsonb) r`
          : sql`SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS external_id, json_extract(value, '$[2]') AS subscriber_id FROM json_each(${rows})`;
      await sql`
        INSERT INTO events (id, workspace_id, site_id, subscriber_id, anonymous_id, external_id,
          type, name, properties, message_id, occurred_at, received_at)
        SELECT s.id, ${template.workspaceId}, ${template.siteId}, s.subscriber_id, NULL, s.external_id,
          ${template.type}, ${template.name}, ${toJson(template.properties)}, NULL,
          CAST(${template.occurredAt} AS BIGINT), CAST(${now} AS BIGINT)
        FROM (${source}) s`.execute(trx);
    },

    /**
     * Records events and returns those it stored: one whose `messageId` the workspace has
     * seen before (committed, or earlier in this transaction) is skipped. The database
     * decides, so two servers given the same retried event store it once.
     */
    async insert(
      events: readonly NewEvent[],
      now: number,
      trx: Kysely<Database> = db,
    ): Promise<NewEvent[]> {
      const stored: NewEvent[] = [];
      // 500 rows of 12 parameters stay under SQLite's 32,766 bound parameters.
      for (let i = 0; i < events.length; i += 500) {
        const chunk = events.slice(i, i + 500);
        const ids = chunk.map(() => newId('evt'));
        const rows = await trx
          .insertInto('events')
          .values(
            chunk.map((e, j) => ({
              id: ids[j]!,
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
              received_at: e.receivedAt ?? now,
            })),
          )
          .onConflict((oc) => oc.columns(['workspace_id', 'message_id']).doNothing())
          .returning('id')
          .execute();
        const inserted = new Set(rows.map((r) => r.id));
        chunk.forEach((e, j) => inserted.has(ids[j]!) && stored.push(e));
      }
      return stored;
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
