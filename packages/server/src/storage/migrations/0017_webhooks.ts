import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/**
 * Events out (API.md "Events out"): destinations and their outbox.
 *
 * - `webhooks`: one row per destination — a Standard Webhooks endpoint (`kind` 'webhook') or a
 *   workspace's Segment forwarder (`kind` 'segment', at most one per workspace, hidden from
 *   `/v1/webhooks`). `secret` is sealed like site secrets (the Segment write key, for a
 *   forwarder). The queue's backoff lives on the destination (`next_attempt_at`, `failures`,
 *   `failing_since`) because messages leave in order: the head waits, so everything waits.
 * - `webhook_messages`: the outbox. Rows are written in the transaction that records the fact,
 *   with the exact body to send, so a crash can neither lose an event nor invent one. `seq`
 *   orders them (an identity column on PostgreSQL, SQLite's rowid alias there); `fact`
 *   (type and delivery, or subject) is unique per destination, so a fact recorded twice is
 *   still sent once.
 * - `notifications.finished_at`: when `notification.finished` was decided (once). Notifications
 *   that exist before this migration count as finished: nobody was listening.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failing_since', 'bigint')
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhooks_workspace')
      .on('webhooks')
      .columns(['workspace_id', 'kind'])
      .execute();

    await db.schema
      .createTable('webhook_messages')
      .addColumn('seq', postgres ? 'bigint' : 'integer', (c) =>
        postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('webhook_id', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('fact', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_messages_due')
      .on('webhook_messages')
      .columns(['webhook_id', 'status', 'seq'])
      .execute();
    // One message per fact and destination, whatever records the fact twice (a delivery
    // claimed again after its lease ran out, by a worker that then records it too).
    await db.schema
      .createIndex('webhook_messages_fact')
      .on('webhook_messages')
      .columns(['webhook_id', 'fact'])
      .unique()
      .execute();
    await db.schema
      .createIndex('webhook_messages_subject')
      .on('webhook_messages')
      .column('subject')
      .execute();
    await db.schema
      .createIndex('webhook_messages_status')
      .on('webhook_messages')
      .columns(['status', 'created_at'])
      .execute();

    await db.schema.alterTable('notifications').addColumn('finished_at', 'bigint').execute();
    await db
      .updateTable('notifications')
      .set((eb: any) => ({ finished_at: eb.ref('created_at') }))
      .execute();
    await db.schema
      .createIndex('notifications_unfinished')
      .on('notifications')
      .column('finished_at')
      .execute();
  },
};
