import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { createNotification } from '../notifications/create-notification.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { createStore, type Store } from '../storage/store.ts';
import { initWorkspace } from '../workspace-setup.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
import { createFanOut } from './fan-out.ts';
import type { PushMessage, PushSender } from './push-sender.ts';

/**
 * A cancel that lands between two steps of another process: after the fan-out read its
 * target, or after a delivery worker claimed its batch. Each step re-checks the database, so
 * nothing is written or sent for the cancelled notification.
 */
describe.each(DIALECTS)('cancel races on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let workspaceId: string;
  let siteId: string;
  const now = Date.now();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    const init = await initWorkspace(store, {}, now);
    siteId = init.siteId;
    workspaceId = (await store.sites.getMany([siteId]))[0]!.workspaceId;
    for (let i = 0; i < 30; i++) {
      await store.subscribers.upsert(
        {
          workspaceId,
          siteId,
          subscription: {
            endpoint: `https://push.example/race/${i}`,
            keys: { p256dh: 'p', auth: 'a' },
          },
        },
        now,
      );
    }
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  async function notification() {
    return store.transaction((tx) =>
      createNotification(
        tx,
        {
          workspaceId,
          campaignId: 'cmp_race',
          messageId: 'm1',
          content: { title: 'Race', body: '' },
          target: { all: true },
          ttl: 3_600,
          urgency: 'normal',
          topic: null,
          ignoreCapping: false,
          sendAt: now,
          deliveryWindow: null,
        },
        now,
      ),
    );
  }

  const deliveriesOf = (notificationId: string) =>
    db.kysely
      .selectFrom('deliveries')
      .select(['status', 'lease_until'])
      .where('notification_id', '=', notificationId)
      .execute();

  it('writes no delivery when the cancel lands after the fan-out read its target', async () => {
    const { notificationId, jobId } = await notification();
    const racing: Store = {
      ...store,
      targeting: {
        ...store.targeting,
        async scan(...args) {
          const page = await store.targeting.scan(...args);
          expect(page.rows.length).toBeGreaterThan(0);
          expect(await store.notifications.cancel(workspaceId, notificationId, now)).toBe(true);
          return page;
        },
      },
    };
    const fanOut = createFanOut({
      store: racing,
      clock: () => now,
      pageSize: 100,
      window: 1_000,
      leaseMs: 30_000,
      onDeliveriesQueued: () => {},
    });
    const job = await store.jobs.get(workspaceId, jobId);
    await fanOut(job!);
    expect(await deliveriesOf(notificationId)).toEqual([]);
  });

  it('withdraws the requests of a sending batch that still wait their turn when the cancel comes', async () => {
    const { notificationId, jobId } = await notification();
    const fanOut = createFanOut({
      store,
      clock: () => now,
      pageSize: 100,
      window: 1_000,
      leaseMs: 30_000,
      onDeliveriesQueued: () => {},
    });
    await fanOut((await store.jobs.get(workspaceId, jobId))!);
    let requests = 0;
    // One request at a time, like an origin's limit; the cancel comes after the fifth.
    const sender = {
      async sendMany(messages: readonly PushMessage[]) {
        const results = [];
        for (const [i, message] of messages.entries()) {
          if (i === 5) {
            await store.notifications.cancel(workspaceId, notificationId, now);
            for (let wait = 0; wait < 100 && message.wanted?.() !== false; wait++)
              await new Promise((r) => setTimeout(r, 50));
          }
          if (message.wanted?.() === false) {
            results.push({ kind: 'withdrawn' });
            continue;
          }
          requests += 1;
          results.push({ kind: 'answered', answer: { statusCode: 201, headers: {} } });
        }
        return results;
      },
    } as unknown as PushSender;
    const worker = createDeliveryWorker({
      store,
      sender,
      clock: () => now,
      options: { leaseMs: 30_000, batchSize: 500, batchesInFlight: 1 },
    });
    expect(await worker.runOnce()).toBe(30);
    expect(requests).toBe(5);
    expect(await store.deliveries.counts(notificationId)).toMatchObject({
      targeted: 30,
      delivered: 5,
      cancelled: 25,
      queued: 0,
    });
  });

  it('sends nothing from a batch claimed just before the cancel, and ends it cancelled', async () => {
    const { notificationId, jobId } = await notification();
    const fanOut = createFanOut({
      store,
      clock: () => now,
      pageSize: 100,
      window: 1_000,
      leaseMs: 30_000,
      onDeliveriesQueued: () => {},
    });
    await fanOut((await store.jobs.get(workspaceId, jobId))!);
    expect(await deliveriesOf(notificationId)).toHaveLength(30);

    const sent: PushMessage[] = [];
    const sender = {
      async sendMany(messages: readonly PushMessage[]) {
        sent.push(...messages);
        return messages.map(() => ({ kind: 'answered', status: 201 }));
      },
    } as unknown as PushSender;
    const racing: Store = {
      ...store,
      deliveries: {
        ...store.deliveries,
        async claimDue(...args) {
          const batch = await store.deliveries.claimDue(...args);
          await store.notifications.cancel(workspaceId, notificationId, now);
          return batch;
        },
      },
    };
    const worker = createDeliveryWorker({
      store: racing,
      sender,
      clock: () => now,
      options: { leaseMs: 30_000, batchSize: 500, batchesInFlight: 1 },
    });
    expect(await worker.runOnce()).toBe(30);
    expect(sent).toEqual([]);
    const rows = await deliveriesOf(notificationId);
    expect(rows.map((r) => r.status)).toEqual(Array(30).fill('cancelled'));
    expect(rows.every((r) => r.lease_until === null)).toBe(true);
    expect(await store.deliveries.counts(notificationId)).toMatchObject({
      targeted: 30,
      cancelled: 30,
      queued: 0,
      sent: 0,
    });
  });
});
