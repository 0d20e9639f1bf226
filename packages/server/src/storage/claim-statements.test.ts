import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from './database.ts';
import { newId } from './ids.ts';
import { createStore, type Store } from './store.ts';

/**
 * Statements a claim costs when one workspace sends alone — the single-user send's path:
 * every statement is a round trip on PostgreSQL, waiting for a turn of a busy event loop.
 */
describe.each(DIALECTS)('claim statements on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let counted: Store;
  let statements = 0;
  const now = Date.now();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    // Counted as results come back: a subquery is transformed too, but not executed.
    const counting: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        statements += 1;
        return args.result;
      },
    };
    counted = createStore({ ...db, kysely: db.kysely.withPlugin(counting) });
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const count = async <T>(claim: () => Promise<T>): Promise<[T, number]> => {
    statements = 0;
    const result = await claim();
    return [result, statements];
  };

  it("claims a workspace's express send in three statements when its last claim ended there", async () => {
    const id = newId('dlv');
    await store.deliveries.insertMany([
      {
        id,
        notificationId: 'ntf_1',
        workspaceId: 'ws_solo',
        subscriberId: newId('sub'),
        siteId: 'site_1',
        campaignId: 'cmp_1',
        messageId: 'msg_1',
        status: 'queued',
        nextAttemptAt: now,
        expiresAt: now + 60_000,
        lane: 'express',
      },
    ]);
    // Probe after ws_solo (none), probe from the start (ws_solo), lease: back where it
    // started, so no probe after it again.
    const [claim, n] = await count(() =>
      counted.deliveries.claimExpress(now, 10_000, 100, 'ws_solo'),
    );
    expect(claim.rows.map((r) => r.id)).toEqual([id]);
    expect(n).toBe(3);
  });

  it("claims a workspace's due trigger run in four statements when its last claim ended there", async () => {
    const id = await store.triggers.startRun(
      {
        trigger_id: 'trg_1',
        workspace_id: 'ws_solo',
        external_id: 'user-1',
        subscriber_id: null,
        properties: '{}',
        chain: '[]',
        started_at: now,
      },
      now,
    );
    // Anything due at all, then as above.
    const [runs, n] = await count(() => counted.triggers.claimDue(now, 10_000, 50, 'ws_solo'));
    expect(runs.map((r) => r.id)).toEqual([id]);
    expect(n).toBe(4);
    // Idle: one statement.
    expect((await count(() => counted.triggers.claimDue(now, 10_000, 50, 'ws_solo')))[1]).toBe(1);
  });
});
