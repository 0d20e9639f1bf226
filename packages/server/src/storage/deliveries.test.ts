import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { initWorkspace } from '../workspace-setup.ts';
import { openDatabase, type Db } from './database.ts';
import {
  createDeliveryStore,
  planRecord,
  type DeliveryResult,
  type DeliveryRow,
} from './deliveries.ts';
import { createStore, type Store } from './store.ts';

/** Counts the UPDATE statements that reach the database. */
function countUpdates() {
  const counter = { updates: 0 };
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      if (args.node.kind === 'UpdateQueryNode') counter.updates += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { counter, plugin };
}

describe.each(DIALECTS)('recording delivery outcomes on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let siteId: string;
  let workspaceId: string;
  const now = Date.now();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    const init = await initWorkspace(store, {}, now);
    const [site] = await store.sites.getMany([init.siteId]);
    siteId = site!.id;
    workspaceId = site!.workspaceId;
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  async function claimFresh(n: number, notificationId: string): Promise<DeliveryRow[]> {
    const subscribers = [];
    for (let i = 0; i < n; i++) {
      const { id } = await store.subscribers.upsert(
        {
          workspaceId,
          siteId,
          subscription: {
            endpoint: `https://push.example/${notificationId}/${i}`,
            keys: { p256dh: 'p', auth: 'a' },
          },
        },
        now,
      );
      subscribers.push(id);
    }
    await store.deliveries.insertMany(
      subscribers.map((subscriberId, i) => ({
        id: `dlv_${notificationId}_${String(i).padStart(3, '0')}`,
        notificationId,
        workspaceId,
        subscriberId,
        siteId,
        campaignId: 'cmp_1',
        messageId: 'm1',
        status: 'queued',
        nextAttemptAt: now,
        expiresAt: now + 60_000,
      })),
    );
    const claimed = await store.deliveries.claimDue(now, 30_000, 1_000);
    return claimed
      .filter((d) => d.notification_id === notificationId)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  it('records 600 outcomes of five kinds with a handful of UPDATEs, and the stats once each', async () => {
    const claimed = await claimFresh(600, 'ntf_a');
    const resultOf = (i: number): DeliveryResult => {
      if (i < 500) return { kind: 'delivered', requested: true };
      if (i < 540) return { kind: 'retry', at: now + 5_000, reason: 'push service answered 429' };
      if (i < 580)
        return {
          kind: 'failed',
          reason: 'subscription gone (404/410)',
          requested: true,
          deleteSubscriber: true,
        };
      if (i < 590) return { kind: 'expired', requested: false };
      return { kind: 'retry', at: now + 9_000, reason: 'push service answered 503' };
    };
    const { counter, plugin } = countUpdates();
    const counting = createDeliveryStore(db.kysely.withPlugin(plugin), db.dialect);
    await counting.record(
      claimed.map((delivery, i) => ({ delivery, result: resultOf(i) })),
      now + 1,
      store.campaigns.incrementStats,
    );

    // delivered: 1 UPDATE; retries: 1 per (time, reason); failed: 1; expired: 1 — 600 rows in 5.
    expect(counter.updates).toBe(5);
    const rows = await db.kysely
      .selectFrom('deliveries')
      .selectAll()
      .where('notification_id', '=', 'ntf_a')
      .orderBy('id')
      .execute();
    expect(
      rows
        .slice(0, 500)
        .every(
          (r) => r.status === 'delivered' && r.sent_at === now + 1 && r.finished_at === now + 1,
        ),
    ).toBe(true);
    expect(rows[520]).toMatchObject({
      status: 'queued',
      next_attempt_at: now + 5_000,
      last_error: 'push service answered 429',
      lease_until: null,
      sent_at: now + 1,
    });
    expect(rows[560]).toMatchObject({
      status: 'failed',
      last_error: 'subscription gone (404/410)',
    });
    expect(rows[585]).toMatchObject({ status: 'expired', sent_at: null });
    expect(rows[595]).toMatchObject({ status: 'queued', next_attempt_at: now + 9_000 });
    expect(
      await store.subscribers.getMany(claimed.slice(540, 580).map((d) => d.subscriber_id)),
    ).toHaveProperty('size', 0);
    const stats = await store.campaigns.stats('cmp_1');
    expect(stats.get('m1')).toMatchObject({ sent: 590, delivered: 500, failed: 40 });
  });

  it('keeps the first request time of a retried delivery and counts it sent only once', async () => {
    const [delivery] = await claimFresh(1, 'ntf_b');
    const record = (d: DeliveryRow, result: DeliveryResult, at: number) =>
      store.deliveries.record([{ delivery: d, result }], at, store.campaigns.incrementStats);
    const before = (await store.campaigns.stats('cmp_1')).get('m1')!.sent;
    await record(
      delivery!,
      { kind: 'retry', at: now, reason: 'push service answered 500' },
      now + 10,
    );
    const [again] = await store.deliveries.claimDue(now + 20, 30_000, 10);
    expect(again).toMatchObject({ id: delivery!.id, sent_at: now + 10, attempts: 2 });
    await record(again!, { kind: 'delivered', requested: true }, now + 30);
    const row = await db.kysely
      .selectFrom('deliveries')
      .selectAll()
      .where('id', '=', delivery!.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'delivered', sent_at: now + 10, finished_at: now + 30 });
    expect((await store.campaigns.stats('cmp_1')).get('m1')!.sent).toBe(before + 1);
  });

  it('gives a released delivery back for an immediate claim, counting nothing', async () => {
    const [delivery] = await claimFresh(1, 'ntf_c');
    const before = (await store.campaigns.stats('cmp_1')).get('m1');
    await store.deliveries.record(
      [{ delivery: delivery!, result: { kind: 'released' } }],
      now + 10,
      store.campaigns.incrementStats,
    );
    // Due again at once, though the first lease would have run until now + 30 s.
    const [again] = await store.deliveries.claimDue(now + 20, 30_000, 10);
    expect(again).toMatchObject({
      id: delivery!.id,
      status: 'queued',
      sent_at: null,
      last_error: null,
      next_attempt_at: now,
    });
    expect((await store.campaigns.stats('cmp_1')).get('m1')).toEqual(before);
  });
});

describe('planning the record of a batch', () => {
  it('groups retries by time and reason and merges stats per campaign message', () => {
    const row = (id: string, campaign: string): DeliveryRow =>
      ({
        id,
        workspace_id: 'ws',
        subscriber_id: `s_${id}`,
        campaign_id: campaign,
        message_id: 'm1',
        sent_at: null,
      }) as DeliveryRow;
    const plan = planRecord(
      [
        { delivery: row('a', 'c1'), result: { kind: 'retry', at: 5, reason: '429' } },
        { delivery: row('b', 'c1'), result: { kind: 'retry', at: 5, reason: '429' } },
        { delivery: row('c', 'c2'), result: { kind: 'retry', at: 6, reason: '429' } },
        { delivery: row('d', 'c2'), result: { kind: 'delivered', requested: true } },
      ],
      1,
    );
    expect(plan.updates.map((u) => u.ids)).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(plan.increments).toEqual([
      {
        workspaceId: 'ws',
        campaignId: 'c1',
        messageId: 'm1',
        at: 1,
        counts: { sent: 2, delivered: 0, failed: 0, capped: 0 },
      },
      {
        workspaceId: 'ws',
        campaignId: 'c2',
        messageId: 'm1',
        at: 1,
        counts: { sent: 2, delivered: 1, failed: 0, capped: 0 },
      },
    ]);
  });
});
