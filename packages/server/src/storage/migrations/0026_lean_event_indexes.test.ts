import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBare } from '../../../../../test/support/bare-database.ts';
import { DIALECTS, testDatabase } from '../../../../../test/support/databases.ts';
import { migrationProvider } from '../migrations.ts';

describe.each(DIALECTS)('migration 0026_lean_event_indexes on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Kysely<any>;
  let migrator: Migrator;

  /** Index name → its definition, for the events table. */
  async function eventIndexes(): Promise<Map<string, string>> {
    const { rows } =
      dialect === 'postgres'
        ? await sql<{ name: string; def: string }>`
            SELECT indexname AS name, indexdef AS def FROM pg_indexes
            WHERE tablename = 'events' AND schemaname = current_schema()`.execute(db)
        : await sql<{ name: string; def: string | null }>`
            SELECT name, sql AS def FROM sqlite_master
            WHERE type = 'index' AND tbl_name = 'events'`.execute(db);
    return new Map(rows.map((r) => [r.name, (r.def ?? '').replaceAll('"', '')]));
  }

  async function plan(query: string): Promise<string> {
    const { rows } = await sql
      .raw(dialect === 'postgres' ? `EXPLAIN ${query}` : `EXPLAIN QUERY PLAN ${query}`)
      .execute(db);
    return (rows as Array<Record<string, string>>)
      .map((r) => r['QUERY PLAN'] ?? r.detail)
      .join('\n');
  }

  beforeAll(async () => {
    const bare = await openBare(database.url);
    db = bare.db;
    migrator = new Migrator({
      db,
      provider: migrationProvider,
      ...(bare.schema && { migrationTableSchema: bare.schema }),
    });
  });

  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('keeps every event and indexes only rows that have the indexed id', async () => {
    expect((await migrator.migrateTo('0025_fair_trigger_runs')).error).toBeUndefined();
    for (const [id, subscriber, anonymous, external] of [
      ['evt_a', 'sub_1', null, null],
      ['evt_b', null, 'anon_1', null],
      ['evt_c', null, null, 'u_1'],
    ]) {
      await sql`INSERT INTO events (id, workspace_id, subscriber_id, anonymous_id, external_id,
          type, name, properties, message_id, occurred_at, received_at)
        VALUES (${id}, 'ws_a', ${subscriber}, ${anonymous}, ${external}, 'track', 'Bought', '{}',
          ${id}, 1000, 2000)`.execute(db);
    }
    expect([...(await eventIndexes()).keys()]).toContain('events_workspace_occurred');

    expect((await migrator.migrateTo('0026_lean_event_indexes')).error).toBeUndefined();

    const { rows } = await sql<{ id: string }>`SELECT id FROM events ORDER BY id`.execute(db);
    expect(rows.map((r) => r.id)).toEqual(['evt_a', 'evt_b', 'evt_c']);
    const indexes = await eventIndexes();
    expect(indexes.has('events_workspace_occurred')).toBe(false);
    expect(indexes.has('events_workspace_received')).toBe(false);
    expect(indexes.get('events_workspace_anonymous')).toMatch(/where \(?anonymous_id is not null/i);
    expect(indexes.get('events_subscriber')).toMatch(/where \(?subscriber_id is not null/i);
    expect(indexes.get('events_workspace_external')).toMatch(/where \(?external_id is not null/i);
    expect(indexes.get('events_workspace_aged')).toMatch(
      /(least|min)\(occurred_at, received_at\)/i,
    );
  });

  it('still finds events by anonymous id, by subscriber and by age through an index', async () => {
    const least =
      dialect === 'postgres' ? 'LEAST(occurred_at, received_at)' : 'min(occurred_at, received_at)';
    // Planners prefer a sequential scan on a three-row table; ask them not to.
    if (dialect === 'postgres') await sql`SET enable_seqscan = off`.execute(db);
    expect(
      await plan(
        `UPDATE events SET external_id = 'u_2' WHERE workspace_id = 'ws_a' AND anonymous_id = 'anon_1' AND external_id IS NULL`,
      ),
    ).toContain('events_workspace_anonymous');
    expect(
      await plan(`SELECT * FROM events WHERE subscriber_id = 'sub_1' ORDER BY occurred_at DESC`),
    ).toContain('events_subscriber');
    expect(
      await plan(`SELECT id FROM events WHERE workspace_id = 'ws_a' AND ${least} < 1500`),
    ).toContain('events_workspace_aged');
    if (dialect === 'postgres') await sql`RESET enable_seqscan`.execute(db);
  });
});
