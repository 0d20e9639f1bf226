import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * Fewer index entries per stored event (issue 14: `POST /v1/batch`). Every index on `events`
 * costs each insert an entry; these ones now hold only rows someone can ask for:
 * - `events_workspace_anonymous (workspace_id, anonymous_id)` and `events_subscriber
 *   (subscriber_id, occurred_at)` keep only rows that have that id. Every query through them
 *   compares the id with `=` or `IN` (attach, alias, erase, activity, rules), which implies
 *   it is not null, so both planners still use them; a server-side event (the Segment API)
 *   has neither id and no longer pays for either.
 * - `events_workspace_external (workspace_id, external_id, occurred_at)` keeps only rows
 *   with a user, for the same reason (an anonymous pixel event has none).
 * - `events_workspace_occurred` and `events_workspace_received`, read only by retention,
 *   become one `events_workspace_aged (workspace_id, least(occurred_at, received_at))`:
 *   an event is past the window when either time is, so one walk finds what two did.
 *   SQLite spells least `min(a, b)` (storage/retention.ts uses the same expression).
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    const partial: Array<[string, string[], string]> = [
      ['events_workspace_anonymous', ['workspace_id', 'anonymous_id'], 'anonymous_id'],
      ['events_subscriber', ['subscriber_id', 'occurred_at'], 'subscriber_id'],
      ['events_workspace_external', ['workspace_id', 'external_id', 'occurred_at'], 'external_id'],
    ];
    for (const [name, columns, present] of partial) {
      await db.schema.dropIndex(name).execute();
      await db.schema
        .createIndex(name)
        .on('events')
        .columns(columns)
        .where(sql.ref(present), 'is not', null)
        .execute();
    }
    const least = postgres
      ? sql`LEAST(occurred_at, received_at)`
      : sql`min(occurred_at, received_at)`;
    await sql`CREATE INDEX events_workspace_aged ON events (workspace_id, (${least}))`.execute(db);
    await db.schema.dropIndex('events_workspace_occurred').execute();
    await db.schema.dropIndex('events_workspace_received').execute();
  },
};
