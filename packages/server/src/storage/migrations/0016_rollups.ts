import { sql, type Kysely, type Migration } from 'kysely';

// Literals, not parameters: PostgreSQL matches a GROUP BY expression to the SELECT's only
// when they are the same text, and `$1` and `$2` are not.
const HOUR = sql.raw('3600000');
const DAY = sql.raw('86400000');

/**
 * Stats over time (issue 12) kept as work happens, so a chart reads a few hundred small rows
 * instead of scanning deliveries:
 * - `campaign_stats_hourly`: a campaign message's counters per UTC hour, added in the same
 *   transaction as `campaign_stats` (deliveries by when they were recorded, receipts by `at`);
 * - `subscriber_stats_daily`: per site and UTC day, new subscribers and every ending with its
 *   reason (`gone` 404/410, `unsubscribed`, `revoked`, `erased`); `category_id` '' is the
 *   whole site, other rows count the subscribers ticking that category.
 * Both are filled from the rows already there, so history before this migration shows too
 * (endings before it were never recorded and stay unknown).
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('campaign_stats_hourly')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('hour', 'bigint', (c) => c.notNull())
      .addColumn('sent', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('delivered', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('failed', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('capped', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('shown', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('clicked', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('closed', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('campaign_stats_hourly_pk', ['campaign_id', 'hour', 'message_id'])
      .execute();
    // The Overview's workspace-wide series and top campaigns read a range of hours.
    await db.schema
      .createIndex('campaign_stats_hourly_workspace')
      .on('campaign_stats_hourly')
      .columns(['workspace_id', 'hour'])
      .execute();

    await db.schema
      .createTable('subscriber_stats_daily')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('site_id', 'text', (c) => c.notNull())
      .addColumn('category_id', 'text', (c) => c.notNull())
      .addColumn('day', 'bigint', (c) => c.notNull())
      .addColumn('subscribed', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('gone', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('unsubscribed', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('revoked', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('erased', 'bigint', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('subscriber_stats_daily_pk', ['site_id', 'category_id', 'day'])
      .execute();
    await db.schema
      .createIndex('subscriber_stats_daily_workspace')
      .on('subscriber_stats_daily')
      .columns(['workspace_id', 'category_id', 'day'])
      .execute();

    await backfillRollups(db);
  },
};

/**
 * Fills both roll-ups from the rows already stored (deliveries, receipts, subscribers), as if
 * they had been kept from the start. Run by the migration; the dashboard bench uses it to
 * stand in for a server that recorded its seeded history as it happened.
 */
export async function backfillRollups(db: Kysely<any>): Promise<void> {
  const hour = (column: string) => sql`(${sql.ref(column)} - ${sql.ref(column)} % ${HOUR})`;
  // Deliveries: sent by when the first request went out, outcomes by when they ended.
  const backfill = async (stat: string, column: string, where: ReturnType<typeof sql>) => {
    await sql`
        INSERT INTO campaign_stats_hourly (workspace_id, campaign_id, message_id, hour, ${sql.ref(stat)})
        SELECT workspace_id, campaign_id, message_id, ${hour(column)}, count(*)
        FROM deliveries WHERE ${where}
        GROUP BY workspace_id, campaign_id, message_id, ${hour(column)}
        ON CONFLICT (campaign_id, hour, message_id)
        DO UPDATE SET ${sql.ref(stat)} = excluded.${sql.ref(stat)}`.execute(db);
  };
  await backfill('sent', 'sent_at', sql`sent_at IS NOT NULL`);
  for (const status of ['delivered', 'failed', 'capped']) {
    await backfill(status, 'finished_at', sql`status = ${status} AND finished_at IS NOT NULL`);
  }
  for (const kind of ['shown', 'clicked', 'closed']) {
    await sql`
        INSERT INTO campaign_stats_hourly (workspace_id, campaign_id, message_id, hour, ${sql.ref(kind)})
        SELECT d.workspace_id, d.campaign_id, d.message_id, r.at - r.at % ${HOUR}, count(*)
        FROM receipts r JOIN deliveries d ON d.id = r.delivery_id
        WHERE r.kind = ${kind}
        GROUP BY d.workspace_id, d.campaign_id, d.message_id, r.at - r.at % ${HOUR}
        ON CONFLICT (campaign_id, hour, message_id)
        DO UPDATE SET ${sql.ref(kind)} = excluded.${sql.ref(kind)}`.execute(db);
  }

  await sql`
      INSERT INTO subscriber_stats_daily (workspace_id, site_id, category_id, day, subscribed)
      SELECT workspace_id, site_id, '', created_at - created_at % ${DAY}, count(*)
      FROM subscribers
      GROUP BY workspace_id, site_id, created_at - created_at % ${DAY}`.execute(db);
  await sql`
      INSERT INTO subscriber_stats_daily (workspace_id, site_id, category_id, day, subscribed)
      SELECT s.workspace_id, s.site_id, c.category_id, s.created_at - s.created_at % ${DAY}, count(*)
      FROM subscribers s JOIN subscriber_categories c ON c.subscriber_id = s.id
      GROUP BY s.workspace_id, s.site_id, c.category_id, s.created_at - s.created_at % ${DAY}`.execute(
    db,
  );
}
