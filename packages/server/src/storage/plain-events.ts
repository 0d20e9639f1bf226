import { sql, type Kysely } from 'kysely';
import type { DialectName } from './database.ts';
import type { NewEvent } from './events.ts';
import { newIds } from './ids.ts';
import { toJson } from './json.ts';
import type { Database } from './schema.ts';
import { inTransaction } from './transaction.ts';

/** A group commit's plain events (track, page, screen: nothing to look up), as data. */
export interface PlainWrite {
  /** `receivedAt` set on each. */
  events: readonly NewEvent[];
  /** Per event: a Segment call's, so it counts toward its workspace's `duplicates`. */
  counted: readonly boolean[];
  /** Users to create if missing. */
  users: ReadonlyArray<{ workspaceId: string; externalId: string }>;
  /** Per workspace: Segment calls received and dropped, and the events they carried. */
  calls: ReadonlyArray<{ workspaceId: string; received: number; dropped: number; events: number }>;
}

/**
 * Stores a group's plain events, creates their missing users and counts the calls; returns
 * the events stored (a `messageId` seen before is skipped). With `unlessTriggers`, writes
 * nothing and answers null when an active trigger listens to one of the events' names for
 * someone reachable: the caller then writes them again in a transaction that starts the
 * runs too (triggers/start-runs.ts), so an event never commits without its runs.
 *
 * On PostgreSQL this is one statement (data-modifying CTEs, rows as one JSON parameter), so
 * the usual group — no trigger on these names — costs one round trip and no BEGIN/COMMIT:
 * a single statement commits atomically on its own. On SQLite, a few statements in one
 * transaction (round trips are free there).
 *
 * @example const stored = await events.storePlain(write, Date.now(), { unlessTriggers: true });
 */
export function createPlainEventStore(db: Kysely<Database>, dialect: DialectName) {
  return {
    storePlain(
      write: PlainWrite,
      now: number,
      opts: { unlessTriggers: boolean },
    ): Promise<NewEvent[] | null> {
      return dialect === 'postgres'
        ? storePostgres(db, write, now, opts.unlessTriggers)
        : storeSqlite(db, write, now, opts.unlessTriggers);
    },
  };
}

/**
 * `ON CONFLICT DO NOTHING` inserts each row speculatively (probe, insert, confirm), which
 * cost PostgreSQL 20–45 % more than a plain insert behind `NOT EXISTS` (100,000 rows, same
 * indexes). One statement outside a transaction therefore first skips stored messageIds by
 * `NOT EXISTS`; a row that still collides (the same messageId twice in the group, or another
 * server storing it right now) fails the whole statement, which changes nothing, and it runs
 * again with `ON CONFLICT`. In a transaction a failed statement would end the transaction,
 * so there it uses `ON CONFLICT` at once.
 */
async function storePostgres(
  db: Kysely<Database>,
  write: PlainWrite,
  now: number,
  unlessTriggers: boolean,
): Promise<NewEvent[] | null> {
  if (db.isTransaction) return storePostgresOnce(db, write, now, unlessTriggers, 'on conflict');
  try {
    return await storePostgresOnce(db, write, now, unlessTriggers, 'not exists');
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    return storePostgresOnce(db, write, now, unlessTriggers, 'on conflict');
  }
}

/** PostgreSQL's SQLSTATE for a unique constraint violated. */
const UNIQUE_VIOLATION = '23505';

async function storePostgresOnce(
  db: Kysely<Database>,
  write: PlainWrite,
  now: number,
  unlessTriggers: boolean,
  skip: 'not exists' | 'on conflict',
): Promise<NewEvent[] | null> {
  const ids = newIds('evt', write.events.length);
  // One object a row, read by json_to_recordset (each row parsed once; `r->>k` on an array
  // would parse it again for every column). Properties travel as JSON inside the JSON, not
  // re-encoded as a string: a `json` column keeps their text exactly as JSON.stringify
  // wrote it, which is what toJson stores.
  const events = JSON.stringify(
    write.events.map((e, i) => ({
      id: ids[i],
      workspace_id: e.workspaceId,
      site_id: e.siteId,
      subscriber_id: e.subscriberId,
      anonymous_id: e.anonymousId,
      external_id: e.externalId,
      type: e.type,
      name: e.name,
      properties: e.properties ?? null,
      message_id: e.messageId,
      occurred_at: e.occurredAt,
      received_at: e.receivedAt ?? now,
      counted: write.counted[i] ?? false,
    })),
  );
  const users = JSON.stringify(write.users.map((u) => [u.workspaceId, u.externalId]));
  const calls = JSON.stringify(
    write.calls.map((c) => [c.workspaceId, c.received, c.dropped, c.events]),
  );
  const { rows } = await sql<{ ok: boolean; ids: string[] | null }>`
    WITH input AS (
      SELECT id, workspace_id, site_id, subscriber_id, anonymous_id, external_id, type, name,
        properties::text AS properties, message_id, occurred_at, received_at, counted
      FROM json_to_recordset(${events}::json) AS r(id text, workspace_id text, site_id text,
        subscriber_id text, anonymous_id text, external_id text, type text, name text,
        properties json, message_id text, occurred_at bigint, received_at bigint,
        counted boolean)
    ),
    go AS (
      SELECT NOT (${unlessTriggers}::boolean AND EXISTS (
        SELECT 1 FROM triggers t
        WHERE t.active = 1 AND (t.workspace_id, t.on_event) IN (
          SELECT workspace_id, name FROM input
          WHERE name IS NOT NULL AND (external_id IS NOT NULL OR subscriber_id IS NOT NULL))
      )) AS ok
    ),
    ins AS (
      INSERT INTO events (id, workspace_id, site_id, subscriber_id, anonymous_id, external_id,
        type, name, properties, message_id, occurred_at, received_at)
      SELECT id, workspace_id, site_id, subscriber_id, anonymous_id, external_id, type, name,
        properties, message_id, occurred_at, received_at
      FROM input WHERE (SELECT ok FROM go)${
        skip === 'not exists'
          ? sql` AND NOT EXISTS (SELECT 1 FROM events e
              WHERE e.workspace_id = input.workspace_id AND e.message_id = input.message_id)`
          : sql` ON CONFLICT (workspace_id, message_id) DO NOTHING`
      }
      RETURNING id
    ),
    usr AS (
      INSERT INTO users (workspace_id, external_id, traits, created_at, updated_at)
      SELECT u->>0, u->>1, '{}', ${now}::bigint, ${now}::bigint
      FROM json_array_elements(${users}::json) u WHERE (SELECT ok FROM go)
      ON CONFLICT (workspace_id, external_id) DO NOTHING
    ),
    counts AS (
      SELECT c->>0 AS workspace_id, (c->>1)::bigint AS received, (c->>2)::bigint AS dropped,
        (c->>3)::bigint - (
          SELECT count(*) FROM ins JOIN input USING (id)
          WHERE input.counted AND input.workspace_id = c->>0
        ) AS duplicates
      FROM json_array_elements(${calls}::json) c
    ),
    cnt AS (
      INSERT INTO ingestion_counters (workspace_id, received, dropped, duplicates)
      SELECT workspace_id, received, dropped, duplicates FROM counts
      WHERE (SELECT ok FROM go) AND received + dropped + duplicates > 0
      ON CONFLICT (workspace_id) DO UPDATE SET
        received = ingestion_counters.received + excluded.received,
        dropped = ingestion_counters.dropped + excluded.dropped,
        duplicates = ingestion_counters.duplicates + excluded.duplicates
    )
    SELECT (SELECT ok FROM go) AS ok, (SELECT array_agg(id) FROM ins) AS ids`.execute(db);
  const [row] = rows;
  if (!row?.ok) return null;
  const stored = new Set(row.ids ?? []);
  return write.events.filter((_, i) => stored.has(ids[i]!));
}

async function storeSqlite(
  db: Kysely<Database>,
  write: PlainWrite,
  now: number,
  unlessTriggers: boolean,
): Promise<NewEvent[] | null> {
  return inTransaction(db, async (trx) => {
    if (unlessTriggers && (await anyTriggerFor(trx, write.events))) return null;
    const users = new Map<string, { workspaceId: string; externalId: string }>();
    for (const u of write.users) users.set(`${u.workspaceId}\u0000${u.externalId}`, u);
    const userRows = [...users.values()];
    // 500 rows of 5 parameters stay under SQLite's 32,766 bound parameters.
    for (let i = 0; i < userRows.length; i += 500) {
      await trx
        .insertInto('users')
        .values(
          userRows.slice(i, i + 500).map((u) => ({
            workspace_id: u.workspaceId,
            external_id: u.externalId,
            traits: '{}',
            created_at: now,
            updated_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).doNothing())
        .execute();
    }
    // Rows as one JSON parameter (json_each) rather than a multi-row VALUES that Kysely
    // builds and compiles per row and SQLite prepares per row count. Properties travel
    // as toJson's text, so the stored text is exactly toJson's.
    const ids = newIds('evt', write.events.length);
    const rows = JSON.stringify(
      write.events.map((e, i) => [
        ids[i],
        e.workspaceId,
        e.siteId,
        e.subscriberId,
        e.anonymousId,
        e.externalId,
        e.type,
        e.name,
        toJson(e.properties),
        e.messageId,
        e.occurredAt,
        e.receivedAt ?? now,
      ]),
    );
    const inserted = await sql<{ id: string }>`
      INSERT INTO events (id, workspace_id, site_id, subscriber_id, anonymous_id, external_id,
        type, name, properties, message_id, occurred_at, received_at)
      SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
        value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11
      FROM json_each(${rows}) WHERE true
      ON CONFLICT (workspace_id, message_id) DO NOTHING
      RETURNING id`.execute(trx);
    const fresh = new Set(inserted.rows.map((r) => r.id));
    const stored: NewEvent[] = [];
    const counted = new Map<string, number>();
    write.events.forEach((e, i) => {
      if (!fresh.has(ids[i]!)) return;
      stored.push(e);
      if (write.counted[i]) counted.set(e.workspaceId, (counted.get(e.workspaceId) ?? 0) + 1);
    });
    for (const c of write.calls) {
      const duplicates = c.events - (counted.get(c.workspaceId) ?? 0);
      if (c.received + c.dropped + duplicates === 0) continue;
      await trx
        .insertInto('ingestion_counters')
        .values({
          workspace_id: c.workspaceId,
          received: c.received,
          dropped: c.dropped,
          duplicates,
        })
        .onConflict((oc) =>
          oc.column('workspace_id').doUpdateSet({
            received: sql`ingestion_counters.received + ${c.received}`,
            dropped: sql`ingestion_counters.dropped + ${c.dropped}`,
            duplicates: sql`ingestion_counters.duplicates + ${duplicates}`,
          }),
        )
        .execute();
    }
    return stored;
  });
}

/** Whether an active trigger listens to one of these events' names for someone reachable. */
async function anyTriggerFor(trx: Kysely<Database>, events: readonly NewEvent[]): Promise<boolean> {
  const names = new Map<string, Set<string>>();
  for (const e of events) {
    if (!e.name || (!e.externalId && !e.subscriberId)) continue;
    const set = names.get(e.workspaceId);
    if (set) set.add(e.name);
    else names.set(e.workspaceId, new Set([e.name]));
  }
  for (const [workspaceId, set] of names) {
    const row = await trx
      .selectFrom('triggers')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('on_event', 'in', [...set])
      .where('active', '=', 1)
      .limit(1)
      .executeTakeFirst();
    if (row) return true;
  }
  return false;
}
