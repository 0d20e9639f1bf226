import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { DialectName } from './database.ts';

/**
 * The due rows of a lease claim (jobs, deliveries, trigger runs) as a subquery other workers
 * cannot take at the same time — the pg-boss / graphile-worker pattern. On PostgreSQL
 * `FOR UPDATE SKIP LOCKED`: two workers each lock different rows and neither waits. On SQLite
 * nothing is needed: the claiming `UPDATE … WHERE id IN (due) RETURNING` is one statement
 * under SQLite's single write lock.
 *
 * @example
 * const due = claimable(db.selectFrom('jobs').select('id').where('run_at', '<=', now).limit(1), dialect);
 * await db.updateTable('jobs').set({ lease_until: now + leaseMs }).where('id', 'in', due).execute();
 */
export function claimable<DB, TB extends keyof DB, O>(
  due: SelectQueryBuilder<DB, TB, O>,
  dialect: DialectName,
): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
}

/** The same, for raw-SQL subqueries (batched deletes): a suffix after their `LIMIT`. */
export function skipLockedSuffix(dialect: DialectName): RawBuilder<unknown> {
  return dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
}
