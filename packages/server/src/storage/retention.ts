import { sql, type Kysely } from 'kysely';
import type { DialectName } from './database.ts';
import type { Database } from './schema.ts';
import { inTransaction } from './transaction.ts';
import { skipLockedSuffix } from './lease-claim.ts';

/** Run statuses that are over: their rows are history only. */
const ENDED_RUNS = ['done', 'cancelled', 'stopped', 'failed'] as const;

/**
 * Deletes old rows a bounded batch at a time (`DELETE … WHERE id IN (SELECT … LIMIT n)`),
 * so no statement holds a lock for long. Each call returns how many rows went; fewer than
 * `limit` means that table is done for now. Deletes are idempotent: two workers pruning at
 * once delete each row once (on PostgreSQL the batch skips rows another worker holds).
 */
export function createRetentionStore(db: Kysely<Database>, dialect: DialectName) {
  /** PostgreSQL's FOR UPDATE SKIP LOCKED keeps two pruning workers off each other's rows. */
  const skipLocked = skipLockedSuffix(dialect);
  /** Tables without a single-column key are addressed by their physical row id. */
  const rowId = sql.raw(dialect === 'postgres' ? 'ctid' : 'rowid');
  /** The expression of the index `events_workspace_aged` (migration 0026). */
  const aged = sql.raw(
    dialect === 'postgres' ? 'LEAST(occurred_at, received_at)' : 'min(occurred_at, received_at)',
  );

  const deleted = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0);

  return {
    async events(workspaceId: string, before: number, limit: number): Promise<number> {
      // Past the window when either time is (a client's future timestamp cannot keep a row
      // past it): one walk of `events_workspace_aged`, whose expression this must match.
      const result = await sql`
        DELETE FROM events WHERE id IN (
          SELECT id FROM events WHERE workspace_id = ${workspaceId} AND ${aged} < ${before}
          LIMIT ${limit}${skipLocked})`.execute(db);
      return deleted(result);
    },

    /** Finished deliveries and their receipts; campaign_stats counters stay as they are. */
    async deliveries(workspaceId: string, before: number, limit: number): Promise<number> {
      return inTransaction(db, async (trx) => {
        const rows = await sql<{ id: string }>`
          SELECT id FROM deliveries
          WHERE workspace_id = ${workspaceId} AND finished_at < ${before} AND status <> 'queued'
          LIMIT ${limit}${skipLocked}`.execute(trx);
        const ids = rows.rows.map((r) => r.id);
        if (ids.length === 0) return 0;
        await trx.deleteFrom('receipts').where('delivery_id', 'in', ids).execute();
        await trx.deleteFrom('deliveries').where('id', 'in', ids).execute();
        return ids.length;
      });
    },

    async jobs(workspaceId: string, before: number, limit: number): Promise<number> {
      // A members import that failed leaves the chunks it did not apply: they go with it.
      await sql`
        DELETE FROM job_chunks WHERE workspace_id = ${workspaceId} AND job_id IN (
          SELECT id FROM jobs
          WHERE workspace_id = ${workspaceId} AND updated_at < ${before}
            AND status IN ('succeeded', 'failed'))`.execute(db);
      const result = await sql`
        DELETE FROM jobs WHERE id IN (
          SELECT id FROM jobs
          WHERE workspace_id = ${workspaceId} AND updated_at < ${before}
            AND status IN ('succeeded', 'failed')
          LIMIT ${limit}${skipLocked})`.execute(db);
      return deleted(result);
    },

    /**
     * Ended runs. Runs of a trigger with a re-entry rule stay: `once` / `afterDays` are
     * decided from them.
     */
    async triggerRuns(workspaceId: string, before: number, limit: number): Promise<number> {
      const result = await sql`
        DELETE FROM trigger_runs WHERE id IN (
          SELECT r.id FROM trigger_runs r
          WHERE r.workspace_id = ${workspaceId} AND r.updated_at < ${before}
            AND r.status IN (${sql.join(ENDED_RUNS)})
            AND NOT EXISTS (
              SELECT 1 FROM triggers t WHERE t.id = r.trigger_id AND t.reentry IS NOT NULL)
          LIMIT ${limit}${skipLocked})`.execute(db);
      return deleted(result);
    },

    /**
     * Target snapshots a fan-out left behind: its job ended without reaching the end (it
     * failed for good). Finds the snapshots' notifications with a loose index scan, so the
     * rows of fan-outs still running cost one probe per notification, not one per row.
     */
    async targetSnapshots(limit: number): Promise<number> {
      const ended = await sql<{ id: string }>`
        WITH RECURSIVE snapshot(id) AS (
          SELECT min(notification_id) FROM target_snapshots
          UNION ALL
          SELECT (SELECT min(notification_id) FROM target_snapshots WHERE notification_id > s.id)
          FROM snapshot s WHERE s.id IS NOT NULL)
        SELECT s.id FROM snapshot s
        WHERE s.id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM notifications n JOIN jobs j ON j.id = n.job_id
          WHERE n.id = s.id AND j.status IN ('queued', 'running'))`.execute(db);
      // A few hundred at a time: an `IN` list stays small, and the next call takes the rest.
      const ids = ended.rows.slice(0, 500).map((r) => r.id);
      if (ids.length === 0) return 0;
      const result = await sql`
        DELETE FROM target_snapshots WHERE ${rowId} IN (
          SELECT ${rowId} FROM target_snapshots WHERE notification_id IN (${sql.join(ids)})
          LIMIT ${limit}${skipLocked})`.execute(db);
      return deleted(result);
    },

    /** Pushes logged for caps, across workspaces. */
    async pushLog(before: number, limit: number): Promise<number> {
      const result = await sql`
        DELETE FROM push_log WHERE ${rowId} IN (
          SELECT ${rowId} FROM push_log WHERE sent_at < ${before} LIMIT ${limit}${skipLocked})`.execute(
        db,
      );
      return deleted(result);
    },

    async idempotencyKeys(before: number, limit: number): Promise<number> {
      const result = await sql`
        DELETE FROM idempotency_keys WHERE ${rowId} IN (
          SELECT ${rowId} FROM idempotency_keys WHERE created_at < ${before} LIMIT ${limit}${skipLocked})`.execute(
        db,
      );
      return deleted(result);
    },
  };
}

export type RetentionStore = ReturnType<typeof createRetentionStore>;
