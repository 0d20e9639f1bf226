import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Trigger-run claims are fair between workspaces like the express lane's (issue 11): one
 * tenant's burst of 20,000 due runs no longer holds another tenant's run behind it.
 * `trigger_runs_waiting_workspace (workspace_id, wake_at) WHERE status = 'waiting'` finds the
 * next workspace with waiting runs by one probe and its due ones by one range. Partial, so it
 * holds only waiting runs, not every finished one. `trigger_runs_due (status, wake_at)` stays:
 * an idle claim asks it whether anything at all is due (one probe).
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('trigger_runs_waiting_workspace')
      .on('trigger_runs')
      .columns(['workspace_id', 'wake_at'])
      .where(sql.ref('status'), '=', 'waiting')
      .execute();
  },
};
