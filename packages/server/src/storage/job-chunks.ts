import type { Kysely } from 'kysely';
import { fromJson, toJson } from './json.ts';
import type { Database } from './schema.ts';

/**
 * A job's big input in numbered slices beside it (`job_chunks`), so the job row stays small:
 * its checkpoints rewrite a few numbers, never the input. A job takes a slice, applies it,
 * and deletes it in the transaction that saves its checkpoint.
 *
 * @example
 * await store.jobChunks.put(jobId, workspaceId, [ids.slice(0, 1000), ids.slice(1000)], trx);
 * const first = await store.jobChunks.get(jobId, 0);
 */
export function createJobChunkStore(db: Kysely<Database>) {
  return {
    async put(
      jobId: string,
      workspaceId: string,
      chunks: ReadonlyArray<readonly unknown[]>,
      trx: Kysely<Database> = db,
      firstSeq = 0,
    ): Promise<void> {
      // 100 rows × 4 parameters a statement; the JSON of 100 chunks is a few MB at most.
      for (let i = 0; i < chunks.length; i += 100) {
        await trx
          .insertInto('job_chunks')
          .values(
            chunks.slice(i, i + 100).map((items, j) => ({
              job_id: jobId,
              seq: firstSeq + i + j,
              workspace_id: workspaceId,
              items: toJson(items),
            })),
          )
          .execute();
      }
    },

    async get<T>(jobId: string, seq: number, trx: Kysely<Database> = db): Promise<T[] | undefined> {
      const row = await trx
        .selectFrom('job_chunks')
        .select('items')
        .where('job_id', '=', jobId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      return row && fromJson<T[]>(row.items, []);
    },

    async delete(jobId: string, seq: number, trx: Kysely<Database> = db): Promise<void> {
      await trx
        .deleteFrom('job_chunks')
        .where('job_id', '=', jobId)
        .where('seq', '=', seq)
        .execute();
    },
  };
}

export type JobChunkStore = ReturnType<typeof createJobChunkStore>;
