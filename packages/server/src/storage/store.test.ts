import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from './database.ts';
import { createStore, type Store } from './store.ts';

describe.each(DIALECTS)('store.transaction on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let workspaceId: string;

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    workspaceId = (await store.workspaces.create('Shop', 1)).workspace.id;
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const job = (id: string) => ({ id, workspaceId, kind: 'test', payload: {}, runAt: 1 });

  it('commits what the callback wrote through tx, and returns its result', async () => {
    const result = await store.transaction(async (tx) => {
      await tx.jobs.enqueue(job('job_tx_a'), 1);
      await tx.jobs.enqueue(job('job_tx_b'), 1);
      return 'done';
    });
    expect(result).toBe('done');
    expect(
      [...(await store.jobs.getMany(workspaceId, ['job_tx_a', 'job_tx_b'])).keys()].sort(),
    ).toEqual(['job_tx_a', 'job_tx_b']);
  });

  it('rolls everything back when the callback throws', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.jobs.enqueue(job('job_tx_rolled'), 1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await store.jobs.getMany(workspaceId, ['job_tx_rolled'])).size).toBe(0);
  });

  it('joins the outer transaction when tx.transaction is called, and repositories group their own statements inside it', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.transaction((inner) => inner.jobs.enqueue(job('job_tx_inner'), 1));
        // notifications.cancel runs its own statements together; inside tx it must join tx.
        expect(await tx.notifications.cancel(workspaceId, 'ntf_missing', 1)).toBe(false);
        throw new Error('roll back the inner write too');
      }),
    ).rejects.toThrow('roll back');
    expect((await store.jobs.getMany(workspaceId, ['job_tx_inner'])).size).toBe(0);
  });

  it('gives tx the store’s shape, bound to the transaction', async () => {
    await store.transaction(async (tx) => {
      expect(Object.keys(tx).sort()).toEqual(Object.keys(store).sort());
      expect(tx.db.dialect).toBe(dialect);
      expect(tx.db.kysely.isTransaction).toBe(true);
    });
  });
});
