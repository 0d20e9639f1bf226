import type { Kysely, Migration } from 'kysely';

/**
 * Audiences (rules and manual members), evergreen campaigns and their "already sent"
 * marks, and the ingestion counters.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('audiences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      // snake_case of the name: how Segment Engage-style traits find the audience.
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('rule', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('audiences_workspace_key')
      .on('audiences')
      .columns(['workspace_id', 'key'])
      .execute();

    await db.schema
      .createTable('audience_members')
      .addColumn('audience_id', 'text', (c) => c.notNull())
      .addColumn('member_type', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('added_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('audience_members_pk', ['audience_id', 'member_type', 'member_id'])
      .execute();
    await db.schema
      .createIndex('audience_members_member')
      .on('audience_members')
      .columns(['workspace_id', 'member_type', 'member_id'])
      .execute();

    await db.schema.alterTable('campaigns').addColumn('audience_id', 'text').execute();
    await db.schema.alterTable('campaigns').addColumn('audience_message_id', 'text').execute();

    await db.schema
      .createTable('evergreen_sends')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('member_key', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('evergreen_sends_pk', ['campaign_id', 'member_key'])
      .execute();

    await db.schema
      .createTable('ingestion_counters')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey())
      .addColumn('received', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('dropped', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('duplicates', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createIndex('events_subscriber')
      .on('events')
      .columns(['subscriber_id', 'occurred_at'])
      .execute();
    await db.schema
      .createIndex('events_workspace_name')
      .on('events')
      .columns(['workspace_id', 'name', 'occurred_at'])
      .execute();
    await db.schema
      .createIndex('subscribers_workspace_anonymous')
      .on('subscribers')
      .columns(['workspace_id', 'anonymous_id'])
      .execute();
  },
};
