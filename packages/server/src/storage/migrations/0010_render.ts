import type { Kysely, Migration } from 'kysely';

/**
 * Per-recipient rendering and honest trigger stats (render helper):
 * - `notifications.trigger_id`: the trigger whose send step made the notification, so the
 *   delivery worker can feed `sent` / `capped` back into that trigger's stats.
 * - `notifications.properties`: TEXT JSON of the event properties a trigger send renders
 *   `{{properties.x}}` with, per delivery (NULL for direct and evergreen sends).
 * - `triggers.capped`: trigger sends skipped by a cap, counted apart from `sent`.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('notifications').addColumn('trigger_id', 'text').execute();
    await db.schema.alterTable('notifications').addColumn('properties', 'text').execute();
    await db.schema
      .alterTable('triggers')
      .addColumn('capped', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
