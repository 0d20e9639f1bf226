import { sql, type Kysely } from 'kysely';
import { queueDepths, triggerRunsWaiting } from './queue-depth.ts';
import type { Database } from './schema.ts';

/**
 * What `/healthz` and `/metrics` ask of the database, so the HTTP layer holds no SQL.
 *
 * @example await store.health.ping(); const { jobs } = await store.health.queueDepths();
 */
export function createHealthStore(db: Kysely<Database>) {
  return {
    /** Resolves once the database answers a trivial query; throws when it cannot. */
    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },
    queueDepths: () => queueDepths(db),
    triggerRunsWaiting: () => triggerRunsWaiting(db),
  };
}
