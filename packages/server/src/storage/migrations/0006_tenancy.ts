import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Evergreen "already sent" marks carry their workspace. They were keyed by member only, so a
 * GDPR erase of user "X" in workspace B also deleted workspace A's marks for its own "X", and
 * A's evergreen campaign pushed A's user again on every sweep (issue 9, finding 1).
 *
 * Neither dialect can change a primary key in place the same way (SQLite cannot at all), so
 * the table is copied into a new one, backfilling `workspace_id` from the campaign. Marks of
 * campaigns that no longer exist are dropped: nothing can send for them.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('evergreen_sends_v2')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('member_key', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('evergreen_sends_workspace_pk', [
        'workspace_id',
        'campaign_id',
        'member_key',
      ])
      .execute();
    await sql`
      INSERT INTO evergreen_sends_v2 (workspace_id, campaign_id, member_key, at)
      SELECT c.workspace_id, e.campaign_id, e.member_key, e.at
      FROM evergreen_sends e JOIN campaigns c ON c.id = e.campaign_id`.execute(db);
    await db.schema.dropTable('evergreen_sends').execute();
    await db.schema.alterTable('evergreen_sends_v2').renameTo('evergreen_sends').execute();
    // The GDPR erase looks marks up by member within a workspace.
    await db.schema
      .createIndex('evergreen_sends_member')
      .on('evergreen_sends')
      .columns(['workspace_id', 'member_key'])
      .execute();
  },
};
