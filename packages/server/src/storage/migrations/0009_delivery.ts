import type { Kysely, Migration } from 'kysely';

/**
 * Every push is logged now, not only capped ones, and a log row names the delivery that
 * reserved it: the batch statement returns who got a slot by delivery id, and a push that
 * finally fails gives its slot back (caps count pushes a subscriber actually got).
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('push_log').addColumn('delivery_id', 'text').execute();
    await db.schema.createIndex('push_log_delivery').on('push_log').column('delivery_id').execute();
  },
};
