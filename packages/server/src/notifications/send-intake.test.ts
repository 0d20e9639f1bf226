import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import type { Queued } from '../domain/lane.ts';
import type { DeliveryRow } from '../storage/deliveries.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { createStore, type Store } from '../storage/store.ts';
import { initWorkspace } from '../workspace-setup.ts';
import { createSendIntake, type ExpressHandOff, type SendRequest } from './send-intake.ts';

describe.each(DIALECTS)('send intake on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  const now = Date.now();
  /** Two workspaces whose users share names: A's u-1 has two devices, B's u-1 one. */
  const ws = { a: '', b: '' };
  const devices = new Map<string, string[]>();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    const users = { a: ['u-1', 'u-1', 'u-2'], b: ['u-1'] };
    for (const key of ['a', 'b'] as const) {
      const { siteId } = await initWorkspace(store, { name: key }, now);
      ws[key] = (await store.sites.getMany([siteId]))[0]!.workspaceId;
      for (const [i, externalId] of users[key].entries()) {
        const { id } = await store.subscribers.upsert(
          {
            workspaceId: ws[key],
            siteId,
            externalId,
            subscription: {
              endpoint: `https://push.example/${key}/${i}`,
              keys: { p256dh: 'p', auth: 'a' },
            },
          },
          now,
        );
        const mine = `${key}:${externalId}`;
        devices.set(mine, [...(devices.get(mine) ?? []), id]);
      }
    }
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const request = (
    workspaceId: string,
    externalIds: string[],
    extra: Partial<SendRequest> = {},
  ): SendRequest => ({
    workspaceId,
    now,
    notification: {
      id: newId('ntf'),
      workspaceId,
      campaignId: 'cmp_x',
      messageId: 'm1',
      content: { title: 'Hi', body: '' },
      target: { externalIds },
      ttl: 3_600,
      urgency: 'normal',
      topic: null,
      ignoreCapping: false,
      sendAt: now,
      deliveryWindow: null,
    },
    ...extra,
  });

  const subscribersOf = async (notificationId: string) => {
    const rows = await db.kysely
      .selectFrom('deliveries')
      .select(['subscriber_id', 'workspace_id'])
      .where('notification_id', '=', notificationId)
      .execute();
    return rows.map((r) => r.subscriber_id).sort();
  };

  it('writes concurrent sends in one transaction, each to its own workspace’s users', async () => {
    const woken: Queued[] = [];
    const sends = createSendIntake({ store, clock: () => now, wake: (q) => woken.push(q) });
    const transaction = vi.spyOn(store, 'transaction');
    const [a1, a2, b1] = await Promise.all([
      sends.send(request(ws.a, ['u-1'])),
      sends.send(request(ws.a, ['u-2', 'u-9'])),
      sends.send(request(ws.b, ['u-1'])),
    ]);
    expect(transaction).toHaveBeenCalledTimes(1);
    transaction.mockRestore();
    expect(await subscribersOf(a1.notificationId)).toEqual([...devices.get('a:u-1')!].sort());
    expect(await subscribersOf(a2.notificationId)).toEqual(devices.get('a:u-2'));
    expect(await subscribersOf(b1.notificationId)).toEqual(devices.get('b:u-1'));
    const jobs = await store.jobs.getMany(ws.a, [a1.jobId, a2.jobId]);
    expect(jobs.get(a1.jobId)?.result).toEqual({ targeted: 2 });
    expect(jobs.get(a2.jobId)?.result).toEqual({ targeted: 1 });
    // Written unleased (no hand-off): the express delivery loop is woken for each.
    expect(woken).toEqual(Array(3).fill({ lane: 'express', fannedOut: true }));
  });

  it('stores one send for concurrent requests with one Idempotency-Key, answering both', async () => {
    const sends = createSendIntake({ store, clock: () => now, wake: () => {} });
    const key = { idempotencyKey: `same-${dialect}` };
    const [first, second] = await Promise.all([
      sends.send(request(ws.a, ['u-2'], key)),
      sends.send(request(ws.a, ['u-2'], key)),
    ]);
    expect(second).toEqual(first);
    const later = await sends.send(request(ws.a, ['u-2'], key));
    expect(later).toEqual(first);
    const stored = await db.kysely
      .selectFrom('notifications')
      .select('id')
      .where('workspace_id', '=', ws.a)
      .where('id', 'in', [first.notificationId])
      .execute();
    expect(stored).toHaveLength(1);
    expect(await store.notifications.exists(second.notificationId)).toBe(true);
    // The same key in another workspace is another request.
    const other = await sends.send(request(ws.b, ['u-1'], key));
    expect(other.notificationId).not.toBe(first.notificationId);
  });

  it('fails only the send that cannot be stored; the rest of its group commits', async () => {
    const sends = createSendIntake({ store, clock: () => now, wake: () => {} });
    const taken = request(ws.a, ['u-1']);
    await sends.send(taken);
    const again = { ...taken, notification: { ...taken.notification } };
    const [failed, ok] = await Promise.allSettled([
      sends.send(again),
      sends.send(request(ws.a, ['u-2'])),
    ]);
    expect(failed.status).toBe('rejected');
    expect(ok.status).toBe('fulfilled');
    const { notificationId } = (ok as PromiseFulfilledResult<{ notificationId: string }>).value;
    expect(await subscribersOf(notificationId)).toEqual(devices.get('a:u-2'));
  });

  it('hands a group’s deliveries to the worker leased, only once committed, and wakes nobody', async () => {
    const handed: DeliveryRow[][] = [];
    const order: string[] = [];
    const handOff: ExpressHandOff = {
      leaseMs: 30_000,
      batchSize: 100,
      reserve: () => true,
      deliver: (rows) => {
        handed.push(rows);
        order.push('handed');
      },
    };
    const transaction = store.transaction.bind(store);
    const spy = vi.spyOn(store, 'transaction').mockImplementation(async (fn) => {
      const result = await transaction(fn);
      order.push('committed');
      return result;
    });
    const woken: Queued[] = [];
    const sends = createSendIntake({
      store,
      clock: () => now,
      wake: (q) => woken.push(q),
      handOff,
    });
    const answers = await Promise.all([
      sends.send(request(ws.a, ['u-1'])),
      sends.send(request(ws.b, ['u-1'])),
    ]);
    spy.mockRestore();
    expect(order).toEqual(['committed', 'handed']);
    expect(handed).toHaveLength(1);
    const rows = handed[0]!;
    expect(rows.map((r) => r.subscriber_id).sort()).toEqual(
      [...devices.get('a:u-1')!, ...devices.get('b:u-1')!].sort(),
    );
    expect(rows.every((r) => r.lease_until === now + 30_000 && r.attempts === 1)).toBe(true);
    for (const { notificationId } of answers) {
      expect(
        (await store.deliveries.countsMany([notificationId])).get(notificationId)?.queued,
      ).toBe((await subscribersOf(notificationId)).length);
    }
    expect(woken).toEqual([]);
  });
});
