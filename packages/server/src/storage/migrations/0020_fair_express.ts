import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Express work is shared between workspaces like bulk work (issue 11): a tenant's flood of
 * trigger or single-user sends no longer holds another tenant's send behind it.
 * - `deliveries_queued_workspace (lane, workspace_id, next_attempt_at) WHERE status =
 *   'queued'`: both lane claims find the next workspace with queued rows by one probe and
 *   take its oldest due rows. Partial, so it holds only the queue, and PostgreSQL no longer
 *   walks `deliveries_workspace_finished` past a whole backlog for that probe (it did, 23 ms
 *   over 20,000 queued rows, when most rows were queued). It replaces
 *   `deliveries_lane_workspace_due (status, lane, workspace_id, next_attempt_at)`.
 * - `jobs_lane_workspace_due (status, lane, workspace_id, run_at)`: the express job claim
 *   finds the next workspace with queued express jobs and its oldest due one through it. It
 *   replaces `jobs_lane_due (status, lane, run_at)`, whose prefix it keeps.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('deliveries_queued_workspace')
      .on('deliveries')
      .columns(['lane', 'workspace_id', 'next_attempt_at'])
      .where(sql.ref('status'), '=', 'queued')
      .execute();
    await db.schema.dropIndex('deliveries_lane_workspace_due').execute();
    await db.schema
      .createIndex('jobs_lane_workspace_due')
      .on('jobs')
      .columns(['status', 'lane', 'workspace_id', 'run_at'])
      .execute();
    await db.schema.dropIndex('jobs_lane_due').execute();
  },
};
