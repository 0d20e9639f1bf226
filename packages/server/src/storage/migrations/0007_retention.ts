import type { Kysely, Migration } from 'kysely';

/**
 * Failure isolation and retention (issue 9, findings 7–8):
 * - a trigger run that fails records its attempts and last error, and ends `failed` after
 *   a few, instead of being retried forever under an expired lease;
 * - per-workspace retention settings (JSON `{eventsDays, deliveriesDays, jobsDays}`, null =
 *   the defaults) and the indexes that let the prune job delete old rows a batch at a time
 *   per workspace without scanning whole tables.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('trigger_runs')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('trigger_runs').addColumn('last_error', 'text').execute();
    await db.schema.alterTable('workspaces').addColumn('retention', 'text').execute();

    const indexes: Array<[string, string, string[]]> = [
      ['events_workspace_occurred', 'events', ['workspace_id', 'occurred_at']],
      ['events_workspace_received', 'events', ['workspace_id', 'received_at']],
      ['deliveries_workspace_finished', 'deliveries', ['workspace_id', 'finished_at']],
      ['jobs_workspace_updated', 'jobs', ['workspace_id', 'updated_at']],
      ['trigger_runs_workspace_updated', 'trigger_runs', ['workspace_id', 'updated_at']],
      ['push_log_sent', 'push_log', ['sent_at']],
      ['idempotency_keys_created', 'idempotency_keys', ['created_at']],
    ];
    for (const [name, table, columns] of indexes) {
      await db.schema.createIndex(name).on(table).columns(columns).execute();
    }
  },
};
