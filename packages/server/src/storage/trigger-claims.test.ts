import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from './database.ts';
import { createStore, type Store } from './store.ts';

describe.each(DIALECTS)('trigger-run claims on %s', (dialect) => {
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

  /** A run of `workspaceId` due at `wakeAt` (startRun makes it due at its `now`). */
  const run = (workspaceId: string, wakeAt: number, n = 0) =>
    store.triggers.startRun(
      {
        trigger_id: `trg_${workspaceId}`,
        workspace_id: workspaceId,
        external_id: `user-${n}`,
        subscriber_id: null,
        properties: '{}',
        chain: '[]',
        started_at: wakeAt,
      },
      wakeAt,
    );

  /** Ends every run this test left waiting, so the next test starts from an empty queue. */
  const settle = () => db.kysely.updateTable('trigger_runs').set({ status: 'done' }).execute();

  it("claims one workspace's run within two claims of another's older burst of 200", async () => {
    for (let i = 0; i < 200; i++) await run('ws_a', now - 10_000 + i, i);
    const single = await run('ws_b', now);

    const first = await store.triggers.claimDue(now, 30_000, 50, null);
    const second = await store.triggers.claimDue(
      now,
      30_000,
      50,
      first.at(-1)?.workspace_id ?? null,
    );
    const claimed = [...first, ...second].map((r) => r.id);
    // Oldest first across workspaces, it would have waited behind all 200.
    expect(claimed).toContain(single);
    expect(second[0]?.id).toBe(single);
    // The rest of the batch is the burst's oldest, in timer order.
    const burst = second.slice(1);
    expect(burst).toHaveLength(49);
    expect(burst.every((r) => r.workspace_id === 'ws_a')).toBe(true);
    expect(burst.map((r) => r.wake_at)).toEqual([...burst.map((r) => r.wake_at)].sort());
    await settle();
  });

  it('fills a batch across workspaces, starting after the last one, and wraps around', async () => {
    const a = [await run('ws_a', now - 30), await run('ws_a', now - 20, 1)];
    const b = [await run('ws_b', now - 50)];
    const c = [await run('ws_c', now - 40), await run('ws_c', now - 10, 1)];

    const claimed = await store.triggers.claimDue(now, 30_000, 10, 'ws_a');
    expect(claimed.map((r) => r.id)).toEqual([...b, ...c, ...a]);
    expect(await store.triggers.claimDue(now, 30_000, 10, 'ws_a')).toEqual([]);
    await settle();
  });

  it('passes over runs not yet due or leased, and a workspace with only timers pending', async () => {
    await run('ws_a', now + 60_000);
    const leased = await run('ws_b', now - 100);
    expect((await store.triggers.claimDue(now, 30_000, 10, null)).map((r) => r.id)).toEqual([
      leased,
    ]);
    expect(await store.triggers.claimDue(now, 30_000, 10, null)).toEqual([]);
    const due = await run('ws_c', now - 5);
    expect((await store.triggers.claimDue(now, 30_000, 10, null)).map((r) => r.id)).toEqual([due]);
    // A lease that ran out is taken again.
    const again = await store.triggers.claimDue(now + 31_000, 30_000, 10, null);
    expect(again.map((r) => r.id).sort()).toEqual([leased, due].sort());
    await settle();
  });
});
