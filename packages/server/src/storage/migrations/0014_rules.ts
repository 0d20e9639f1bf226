import type { Kysely, Migration } from 'kysely';

/**
 * Rule audiences on PostgreSQL (issue 14): `target_snapshots` holds the subscribers a fan-out
 * resolved once for a target naming audiences, so the rule runs in one statement instead of
 * once per window of subscribers (see storage/target-snapshots.ts). Rows live while the
 * fan-out runs and carry what it writes into deliveries (site, timezone), so its pages are
 * primary-key range reads with no join.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('target_snapshots')
      .addColumn('notification_id', 'text', (c) => c.notNull())
      .addColumn('subscriber_id', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('timezone', 'text')
      .addPrimaryKeyConstraint('target_snapshots_pk', ['notification_id', 'subscriber_id'])
      .execute();
  },
};
