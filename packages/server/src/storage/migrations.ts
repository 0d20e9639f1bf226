import { type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { migration as render } from './migrations/0010_render.ts';
import { migration as cancel } from './migrations/0011_cancel.ts';
import { migration as accounts } from './migrations/0015_accounts.ts';
import { migration as rollups } from './migrations/0016_rollups.ts';
import { migration as tenancy } from './migrations/0006_tenancy.ts';
import { migration as retention } from './migrations/0007_retention.ts';
import { migration as identity } from './migrations/0005_identity.ts';
import { migration as delivery0009 } from './migrations/0009_delivery.ts';

/**
 * Migrations in code, applied on start. Column types are chosen to mean the same thing on
 * SQLite and PostgreSQL: BIGINT epoch milliseconds, TEXT for ids and JSON.
 */
const migrations: Record<string, Migration> = {
  '0001_foundation': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('workspaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
        .addColumn('site_key', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('origins', 'text', (c) => c.notNull())
        .addColumn('categories', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text', (c) => c.notNull())
        .addColumn('capping', 'text', (c) => c.notNull())
        .addColumn('vapid_subject', 'text', (c) => c.notNull())
        .addColumn('vapid_public_key', 'text', (c) => c.notNull())
        .addColumn('vapid_private_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sites_workspace').on('sites').column('workspace_id').execute();

      await db.schema
        .createTable('users')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('traits', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('users_pk', ['workspace_id', 'external_id'])
        .execute();

      await db.schema
        .createTable('subscribers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('p256dh', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull())
        .addColumn('expiration_time', 'bigint')
        .addColumn('timezone', 'text')
        .addColumn('language', 'text')
        .addColumn('anonymous_id', 'text')
        .addColumn('external_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('subscribers_site_endpoint', ['site_id', 'endpoint'])
        .execute();
      await db.schema
        .createIndex('subscribers_workspace_external')
        .on('subscribers')
        .columns(['workspace_id', 'external_id'])
        .execute();
      await db.schema
        .createIndex('subscribers_workspace_id')
        .on('subscribers')
        .columns(['workspace_id', 'id'])
        .execute();

      await db.schema
        .createTable('subscriber_categories')
        .addColumn('subscriber_id', 'text', (c) => c.notNull())
        .addColumn('category_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('subscriber_categories_pk', ['subscriber_id', 'category_id'])
        .execute();
      await db.schema
        .createIndex('subscriber_categories_category')
        .on('subscriber_categories')
        .columns(['category_id', 'subscriber_id'])
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text')
        .addColumn('subscriber_id', 'text')
        .addColumn('anonymous_id', 'text')
        .addColumn('external_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('properties', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('occurred_at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('events_message_id', ['workspace_id', 'message_id'])
        .execute();
      await db.schema
        .createIndex('events_workspace_external')
        .on('events')
        .columns(['workspace_id', 'external_id', 'occurred_at'])
        .execute();
      await db.schema
        .createIndex('events_workspace_anonymous')
        .on('events')
        .columns(['workspace_id', 'anonymous_id'])
        .execute();

      await db.schema
        .createTable('campaigns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('messages', 'text', (c) => c.notNull())
        .addColumn('capping', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('campaign_stats')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('sent', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('delivered', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('failed', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('capped', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('shown', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('clicked', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('closed', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('campaign_stats_pk', ['campaign_id', 'message_id'])
        .execute();

      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('ttl', 'bigint', (c) => c.notNull())
        .addColumn('urgency', 'text', (c) => c.notNull())
        .addColumn('topic', 'text')
        .addColumn('ignore_capping', 'integer', (c) => c.notNull())
        .addColumn('send_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('cancelled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('notification_id', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('subscriber_id', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('last_error', 'text')
        .addUniqueConstraint('deliveries_notification_subscriber', [
          'notification_id',
          'subscriber_id',
        ])
        .execute();
      await db.schema
        .createIndex('deliveries_due')
        .on('deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('receipts')
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('action', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('receipts_pk', ['delivery_id', 'kind'])
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('progress_done', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_total', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['workspace_id', 'key'])
        .execute();
    },
  },
  '0002_audiences': {
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
  },
  '0003_triggers_capping': {
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
  },
  '0010_render': render,
  '0011_cancel': cancel,
  '0006_tenancy': tenancy,
  '0007_retention': retention,
  '0005_identity': identity,
  '0009_delivery': delivery0009,
  '0015_accounts': accounts,
  '0016_rollups': rollups,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
