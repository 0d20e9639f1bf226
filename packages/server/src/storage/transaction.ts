import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Runs `fn` in a transaction on `db` — or in `db`'s own, when `db` already is one: Kysely
 * cannot nest transactions, and a repository built for `store.transaction`'s `tx` must still
 * be able to group its statements.
 *
 * @example await inTransaction(db, async (trx) => { await trx.deleteFrom('x').execute(); });
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
