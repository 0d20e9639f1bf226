import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import type { NewDelivery } from '../storage/deliveries.ts';
import { newId } from '../storage/ids.ts';
import { createStore, type Store } from '../storage/store.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
import type { PushSender } from './push-sender.ts';

/**
 * The express loop's step says whether to claim again at once: only after a full batch. A
 * batch that is not full took everything due in every workspace, so claiming again would
 * only cost a single-user send three more statements beside its push.
 */
describe.each(DIALECTS)('the express loop on %s', (dialect) => {
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

  const express = (workspaceId: string): NewDelivery => ({
    id: newId('dlv'),
    notificationId: newId('ntf'),
    workspaceId,
    subscriberId: newId('sub'),
    siteId: 'site_1',
    campaignId: 'cmp_1',
    messageId: 'msg_1',
    status: 'queued',
    nextAttemptAt: now,
    expiresAt: now + 60_000,
    lane: 'express',
  });

  it('claims again at once after a full express batch, and sleeps after one that is not', async () => {
    // Subscribers that do not exist: each delivery fails without a request.
    const sender = { sendMany: async () => [] } as unknown as PushSender;
    let claims = 0;
    const counting: Store = {
      ...store,
      deliveries: {
        ...store.deliveries,
        claimExpress: (...args) => {
          claims += 1;
          return store.deliveries.claimExpress(...args);
        },
      },
    };
    const worker = createDeliveryWorker({
      store: counting,
      sender,
      clock: () => now,
      options: {
        leaseMs: 30_000,
        batchSize: 500,
        batchesInFlight: 1,
        expressBatchSize: 2,
        expressBatchesInFlight: 2,
      },
    });
    await store.deliveries.insertMany([express('ws_a'), express('ws_a'), express('ws_b')]);

    expect(await worker.claimExpress()).toBe(true);
    expect(await worker.claimExpress()).toBe(false);
    expect(claims).toBe(2);
    await worker.stop();
    const left = await db.kysely
      .selectFrom('deliveries')
      .select('status')
      .where('status', '=', 'queued')
      .execute();
    expect(left).toEqual([]);
  });
});
