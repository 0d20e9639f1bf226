import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE_MEMBERS_JOB,
  createMembersJob,
  membersJobInput,
  type MembersJobPayload,
} from '../packages/server/src/audiences/members-job.ts';
import { openDatabase, type Db } from '../packages/server/src/storage/database.ts';
import type { NewEvent } from '../packages/server/src/storage/events.ts';
import { createStore, type Store } from '../packages/server/src/storage/store.ts';
import { DIALECTS, testDatabase, type TestDatabase } from './support/databases.ts';

/** The members job on the store alone: a taken-over job resumes, events once per change. */
describe.each(DIALECTS)('members job on %s', (dialect) => {
  let database: TestDatabase;
  let db: Db;
  let store: Store;

  beforeAll(async () => {
    database = testDatabase(dialect);
    db = await openDatabase(database.url);
    store = createStore(db);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it.each(['chunks beside the job', 'the payload (jobs queued before 0012)'])(
    'resumes a taken-over import with its ids in %s where it stood, counting and emitting each change once',
    async (where) => {
      const now = Date.now();
      const { workspace } = await store.workspaces.create('W', now);
      const audience = await store.audiences.create(
        { workspaceId: workspace.id, name: 'Imported', rule: null },
        now,
      );
      const add = Array.from({ length: 2_500 }, (_, i) => ({
        type: 'user' as const,
        id: `m-${i}`,
      }));
      const remove = [{ type: 'user' as const, id: 'm-0' }];
      const chunked = where.startsWith('chunks');
      const input = membersJobInput(audience.id, add, remove);
      const payload: MembersJobPayload = chunked
        ? input.payload
        : { audienceId: audience.id, add, remove, offset: 0, added: 0, removed: 0, skipped: 0 };
      const jobId = await store.jobs.enqueue(
        { workspaceId: workspace.id, kind: AUDIENCE_MEMBERS_JOB, payload, runAt: now },
        now,
      );
      if (chunked) {
        await store.jobChunks.put(jobId, workspace.id, input.chunks);
        // The job row holds counts, not ids: its checkpoints stay small however big the import.
        const row = await db.kysely
          .selectFrom('jobs')
          .select('payload')
          .where('id', '=', jobId)
          .executeTakeFirstOrThrow();
        expect(row.payload).not.toContain('m-1');
      }
      const emitted: NewEvent[] = [];
      const run = createMembersJob({
        store,
        clock: () => now,
        leaseMs: 30_000,
        onEvents: async (_, events) => void emitted.push(...events),
      });

      // The first worker dies after its first chunk (1,000 members) was committed.
      let chunks = 0;
      const dying = createMembersJob({
        store,
        clock: () => now,
        leaseMs: 30_000,
        onEvents: async () => {
          if (++chunks === 1) throw new Error('killed');
        },
      });
      await expect(dying((await store.jobs.get(workspace.id, jobId))!)).rejects.toThrow('killed');
      const taken = (await store.jobs.get(workspace.id, jobId))!;
      expect(taken.progress).toEqual({ done: 1_000, total: 2_501 });
      expect(taken.result).toEqual({ added: 1_000, removed: 0, skipped: 0 });

      const result = await run(taken);
      expect(result).toEqual({ added: 2_500, removed: 1, skipped: 0 });
      expect(emitted.filter((e) => e.name === 'Audience Entered')).toHaveLength(1_500);
      expect(emitted.filter((e) => e.name === 'Audience Exited').map((e) => e.externalId)).toEqual([
        'm-0',
      ]);
      const stored = await db.kysely
        .selectFrom('events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workspace_id', '=', workspace.id)
        .where('name', '=', 'Audience Entered')
        .executeTakeFirstOrThrow();
      expect(Number(stored.n)).toBe(2_500);
      // Each chunk goes with the checkpoint that applied it.
      const left = await db.kysely
        .selectFrom('job_chunks')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('job_id', '=', jobId)
        .executeTakeFirstOrThrow();
      expect(Number(left.n)).toBe(0);
    },
  );
});
