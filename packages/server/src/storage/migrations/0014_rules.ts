import type { Kysely, Migration } from 'kysely';

/**
 * Rule audiences on PostgreSQL (issue 14): `target_snapshots` holds the subscribers a fan-out
 * resolved once for a target naming audiences, so the rule runs in one statement instead of
 * once per window of subscribers (see storage/target-snapshots.ts). Rows live while the
 * fan-out runs; the primary key is the order the fan-out pages in.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('target_snapshots')
      .addColumn('notification_id', 'text', (c) => c.notNull())
      .addColumn('subscriber_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('target_snapshots_pk', ['notification_id', 'subscriber_id'])
      .execute();
  },
};
