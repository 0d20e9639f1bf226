import type { Kysely, Migration } from 'kysely';

/**
 * Express work is shared between workspaces like bulk work (issue 11): a tenant's flood of
 * trigger or single-user sends no longer holds another tenant's send behind it.
 * - `jobs_lane_workspace_due (status, lane, workspace_id, run_at)`: the express job claim
 *   finds the next workspace with queued express jobs by one index probe, then that
 *   workspace's oldest due job. It replaces `jobs_lane_due (status, lane, run_at)`, whose
 *   `(status, lane)` prefix it keeps for the bulk claim and for jobs whose lease ran out.
 * Express deliveries need no new index: their claim probes `deliveries_lane_workspace_due`
 * as the bulk one does.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('jobs_lane_workspace_due')
      .on('jobs')
      .columns(['status', 'lane', 'workspace_id', 'run_at'])
      .execute();
    await db.schema.dropIndex('jobs_lane_due').execute();
  },
};
