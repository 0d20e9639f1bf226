import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Runs `fn` in a transaction, or in the caller's when `db` already is one: Kysely cannot
 * nest transactions, and a repository method called from a group commit (see
 * ingestion/group-commit.ts) must join it rather than open its own.
 *
 * @example await inTransaction(db, async (trx) => { await trx.insertInto('users')...; });
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
