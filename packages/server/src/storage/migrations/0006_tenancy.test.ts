import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBare } from '../../../../../test/support/bare-database.ts';
import { DIALECTS, testDatabase } from '../../../../../test/support/databases.ts';
import { migrationProvider } from '../migrations.ts';

describe.each(DIALECTS)('migration 0006_tenancy on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Kysely<any>;
  let migrator: Migrator;

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

  it('backfills the workspace of every evergreen mark from its campaign and drops orphans', async () => {
    const before = await migrator.migrateTo('0003_triggers_capping');
    expect(before.error).toBeUndefined();
    for (const [id, workspace] of [
      ['cmp_a', 'ws_a'],
      ['cmp_b', 'ws_b'],
    ]) {
      await sql`INSERT INTO campaigns (id, workspace_id, name, messages, created_at, updated_at)
        VALUES (${id}, ${workspace}, 'C', '[]', 1, 1)`.execute(db);
    }
    for (const [campaign, member] of [
      ['cmp_a', 'user:x'],
      ['cmp_b', 'user:x'],
      ['cmp_gone', 'user:x'],
    ]) {
      await sql`INSERT INTO evergreen_sends (campaign_id, member_key, at)
        VALUES (${campaign}, ${member}, 5)`.execute(db);
    }

    const after = await migrator.migrateToLatest();
    expect(after.error).toBeUndefined();
    const rows = await db
      .selectFrom('evergreen_sends')
      .select(['workspace_id', 'campaign_id', 'member_key'])
      .orderBy('campaign_id')
      .execute();
    expect(rows).toEqual([
      { workspace_id: 'ws_a', campaign_id: 'cmp_a', member_key: 'user:x' },
      { workspace_id: 'ws_b', campaign_id: 'cmp_b', member_key: 'user:x' },
    ]);
    // The same member and campaign may now exist once per workspace, and only once.
    await db
      .insertInto('evergreen_sends')
      .values({ workspace_id: 'ws_b', campaign_id: 'cmp_a', member_key: 'user:x', at: 6 })
      .execute();
    await expect(
      db
        .insertInto('evergreen_sends')
        .values({ workspace_id: 'ws_a', campaign_id: 'cmp_a', member_key: 'user:x', at: 7 })
        .execute(),
    ).rejects.toThrow();
  });
});
