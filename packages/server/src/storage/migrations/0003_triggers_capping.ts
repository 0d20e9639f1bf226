import type { Kysely, Migration } from 'kysely';

/**
 * Triggers and their runs; the push log that frequency capping counts, capping opt-outs on
 * deliveries and delivery windows on notifications.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('triggers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('on_event', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('reentry', 'text')
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('fired', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cancelled', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('sent', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('completed', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('stopped', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('triggers_event')
      .on('triggers')
      .columns(['workspace_id', 'on_event', 'active'])
      .execute();

    // One row per started run: a pending `wait` is a row with a wake time, nothing more.
    await db.schema
      .createTable('trigger_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('trigger_id', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('subscriber_id', 'text')
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('chain', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('step', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('wake_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('trigger_runs_due')
      .on('trigger_runs')
      .columns(['status', 'wake_at'])
      .execute();
    await db.schema
      .createIndex('trigger_runs_user')
      .on('trigger_runs')
      .columns(['trigger_id', 'external_id', 'subscriber_id', 'created_at'])
      .execute();

    // Pushes sent per subscriber, for rolling-window caps.
    await db.schema
      .createTable('push_log')
      .addColumn('subscriber_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('push_log_subscriber')
      .on('push_log')
      .columns(['subscriber_id', 'sent_at'])
      .execute();

    await db.schema
      .alterTable('deliveries')
      .addColumn('capping_ignored', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('notifications').addColumn('delivery_window', 'text').execute();
  },
};
