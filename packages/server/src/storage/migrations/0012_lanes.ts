import type { Kysely, Migration } from 'kysely';

/**
 * Lanes (issue 11): small sends, trigger sends and evergreen sends go in the `express` lane,
 * ahead of broadcasts (`bulk`), for their fan-out job and for their deliveries alike.
 * - `deliveries.lane`, `jobs.lane`: what each claim filters on; existing rows are `bulk`.
 * - `deliveries_lane_due (status, lane, next_attempt_at)`: the express claim, oldest first,
 *   never walks the bulk rows queued before it. It replaces `deliveries_due`, whose
 *   `(status, …)` prefix it keeps for the queue-depth count.
 * - `deliveries_lane_workspace_due (status, lane, workspace_id, next_attempt_at)`: the bulk
 *   claim takes one workspace's due rows at a time, round-robin, and finds the next
 *   workspace with queued work by one index probe each.
 * - `jobs_lane_due (status, lane, run_at)`: the express job loop finds its jobs directly.
 * - `notifications.throttle_per_minute`: a throttled fan-out spreads its deliveries' due times.
 * - `job_chunks`: a members import's ids, 1,000 a row, beside its job instead of inside its
 *   payload — a checkpoint then rewrites a small row, not the whole list (SQLite rewrites a
 *   row whole: a 1M-id payload per chunk made imports grow with the square of their size).
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('deliveries')
      .addColumn('lane', 'text', (c) => c.notNull().defaultTo('bulk'))
      .execute();
    await db.schema
      .alterTable('jobs')
      .addColumn('lane', 'text', (c) => c.notNull().defaultTo('bulk'))
      .execute();
    await db.schema
      .alterTable('notifications')
      .addColumn('throttle_per_minute', 'integer')
      .execute();
    await db.schema.dropIndex('deliveries_due').execute();
    await db.schema
      .createIndex('deliveries_lane_due')
      .on('deliveries')
      .columns(['status', 'lane', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('deliveries_lane_workspace_due')
      .on('deliveries')
      .columns(['status', 'lane', 'workspace_id', 'next_attempt_at'])
      .execute();
    await db.schema
      .createTable('job_chunks')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('items', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('job_chunks_pk', ['job_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('jobs_lane_due')
      .on('jobs')
      .columns(['status', 'lane', 'run_at'])
      .execute();
  },
};
