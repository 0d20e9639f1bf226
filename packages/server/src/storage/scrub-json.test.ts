import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { initWorkspace } from '../workspace-setup.ts';
import { openDatabase, type Db } from './database.ts';
import { ERASED, scrub, scrubJsonColumn } from './scrub-json.ts';
import { createStore, type Store } from './store.ts';

describe('scrub', () => {
  it('replaces strings equal to an erased name, in arrays and objects, and nothing else', () => {
    const names = new Set(['u1', 'sub_1']);
    expect(
      scrub(
        { externalIds: ['u1', 'u2', 'u1x'], nested: { id: 'sub_1', n: 1, ok: true, none: null } },
        names,
      ),
    ).toEqual({
      externalIds: [ERASED, 'u2', 'u1x'],
      nested: { id: ERASED, n: 1, ok: true, none: null },
    });
  });

  it('leaves type and kind alone, so erasing a user named "user" keeps the job readable', () => {
    expect(scrub({ add: [{ type: 'user', id: 'user' }], kind: 'user' }, new Set(['user']))).toEqual(
      { add: [{ type: 'user', id: ERASED }], kind: 'user' },
    );
  });
});

describe.each(DIALECTS)('scrubJsonColumn on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  const workspaces: string[] = [];
  const now = Date.now();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    for (const name of ['A', 'B']) {
      const init = await initWorkspace(store, { name }, now);
      const [site] = await store.sites.getMany([init.siteId]);
      workspaces.push(site!.workspaceId);
    }
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  async function job(workspaceId: string, ids: string[]) {
    return store.jobs.enqueue(
      {
        workspaceId,
        kind: 'audience.members',
        payload: { add: ids.map((id) => ({ type: 'user', id })) },
        runAt: now,
      },
      now,
    );
  }
  async function idsOf(jobId: string, workspaceId: string) {
    const found = await store.jobs.get(workspaceId, jobId);
    return (found!.payload as { add: Array<{ id: string }> }).add.map((m) => m.id);
  }

  it('treats LIKE wildcards, quotes and backslashes in a name literally and stays in its workspace', async () => {
    const [a, b] = workspaces as [string, string];
    const odd = '50%_off"\\';
    const hit = await job(a, [odd, 'keep']);
    const wildcardOnly = await job(a, ['50Xyoff"\\', '%', '_']);
    const otherWorkspace = await job(b, [odd]);
    const changed = await db.kysely
      .transaction()
      .execute((trx) =>
        scrubJsonColumn(trx, { table: 'jobs', column: 'payload', key: ['id'], workspaceId: a }, [
          odd,
        ]),
      );
    expect(changed).toBe(1);
    expect(await idsOf(hit, a)).toEqual([ERASED, 'keep']);
    expect(await idsOf(wildcardOnly, a)).toEqual(['50Xyoff"\\', '%', '_']);
    expect(await idsOf(otherWorkspace, b)).toEqual([odd]);
  });
});
