import type { Kysely } from 'kysely';
import { fromJson, toJson } from './json.ts';
import type { Database } from './schema.ts';

/** How long a repeated `Idempotency-Key` returns the first answer. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Another request with the same key committed first; this one rolls back. */
class IdempotencyRace extends Error {}

export function createIdempotencyStore(db: Kysely<Database>) {
  const store = {
    async find<T>(workspaceId: string, key: string, now: number): Promise<T | undefined> {
      const row = await db
        .selectFrom('idempotency_keys')
        .select(['response', 'created_at'])
        .where('workspace_id', '=', workspaceId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row || row.created_at < now - IDEMPOTENCY_WINDOW_MS) return undefined;
      return fromJson<T>(row.response, undefined as T);
    },

    /**
     * Stores the answer in the same transaction as the work it describes. Returns false when
     * another request with the same key got there first (the caller then rolls back).
     */
    async claim(
      workspaceId: string,
      key: string,
      response: unknown,
      now: number,
      trx: Kysely<Database>,
    ): Promise<boolean> {
      await trx
        .deleteFrom('idempotency_keys')
        .where('workspace_id', '=', workspaceId)
        .where('key', '=', key)
        .where('created_at', '<', now - IDEMPOTENCY_WINDOW_MS)
        .execute();
      const result = await trx
        .insertInto('idempotency_keys')
        .values({ workspace_id: workspaceId, key, response: toJson(response), created_at: now })
        .onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /**
     * Claims the key for `answer` on this store's transaction before the work it describes
     * (a group commit of sends, notifications/send-intake.ts): the answer that stands is
     * returned — `answer` itself when claimed, else the first request's, committed before
     * or stored earlier in this transaction. A claim that loses writes nothing, so the
     * caller skips its work instead of rolling the others back; on PostgreSQL the insert
     * waits for a racing transaction holding the same key, then sees its row.
     *
     * @example const first = await tx.idempotency.claimFirst(ws, key, { notificationId }, now);
     */
    async claimFirst<T>(workspaceId: string, key: string, answer: T, now: number): Promise<T> {
      if (await store.claim(workspaceId, key, answer, now, db)) return answer;
      const first = await store.find<T>(workspaceId, key, now);
      if (first === undefined) throw new Error(`idempotency key ${key} vanished after a race`);
      return first;
    },

    /**
     * Does `work` in a transaction and, with a key, stores its answer in the same one, so a
     * repeat (or a request racing this one) answers what the first committed request did.
     *
     * @example
     * const accepted = await store.idempotency.once(workspaceId, key, now, (trx) =>
     *   trx.insertInto('notifications').values(row).execute());
     */
    async once<T>(
      workspaceId: string,
      key: string | undefined,
      now: number,
      work: (trx: Kysely<Database>) => Promise<T>,
    ): Promise<T> {
      if (!key) return db.transaction().execute(work);
      try {
        return await db.transaction().execute(async (trx) => {
          const answer = await work(trx);
          if (!(await store.claim(workspaceId, key, answer, now, trx))) throw new IdempotencyRace();
          return answer;
        });
      } catch (error) {
        if (!(error instanceof IdempotencyRace)) throw error;
        const first = await store.find<T>(workspaceId, key, now);
        if (first === undefined) throw new Error(`idempotency key ${key} vanished after a race`);
        return first;
      }
    },
  };
  return store;
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
