import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { createStore, type Store } from '../storage/store.ts';
import { createTriggerWorker } from './trigger-worker.ts';

describe.each(DIALECTS)('trigger worker shutdown on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  const now = Date.now();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('finishes the run in hand and releases the rest of its batch at once when stopped', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        await store.triggers.startRun(
          {
            trigger_id: 'trg_gone',
            workspace_id: 'ws_a',
            external_id: `user-${i}`,
            subscriber_id: null,
            properties: '{}',
            chain: '[]',
            started_at: now + i,
          },
          now,
        ),
      );
    }
    // The signal arrives while the first run of the batch is being handled.
    const worker = createTriggerWorker({
      store: {
        ...store,
        triggers: {
          ...store.triggers,
          get: async () => {
            worker.stop();
            return undefined;
          },
        },
      },
      clock: () => now,
      leaseMs: 60_000,
      wake: () => {},
    });
    expect(await worker.runOnce()).toBe(false);

    const runs = await db.kysely
      .selectFrom('trigger_runs')
      .selectAll()
      .where('id', 'in', ids)
      .execute();
    // The one in hand was handled (its trigger no longer exists: stopped); the others wait,
    // their leases given back and the claim not counted.
    const handled = runs.filter((r) => r.status !== 'waiting');
    const released = runs.filter((r) => r.status === 'waiting');
    expect(handled).toHaveLength(1);
    expect(released).toMatchObject([
      { lease_until: null, attempts: 0 },
      { lease_until: null, attempts: 0 },
    ]);
    // Another worker claims them now, not after the 60 s lease.
    const claimed = await store.triggers.claimDue(now, 1_000, 10);
    expect(claimed.map((r) => r.id).sort()).toEqual(released.map((r) => r.id).sort());
  });
});
