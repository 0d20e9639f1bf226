import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { DAY_MS, type CapLimits } from '../domain/capping.ts';
import { rounds, type SlotRequest } from './capping.ts';
import { openDatabase, type Db } from './database.ts';
import { createStore, type Store } from './store.ts';

const NO_LIMITS: CapLimits = {
  siteHour: null,
  siteDay: null,
  campaignHour: null,
  campaignDay: null,
};
const perDay = (n: number): CapLimits => ({ ...NO_LIMITS, siteDay: n });

describe('rounds', () => {
  it('puts each subscriber at most once in a round, keeping the order', () => {
    const requests = ['a', 'b', 'a', 'c', 'a'].map((subscriberId, i) => ({ subscriberId, i }));
    expect(rounds(requests).map((r) => r.map((x) => x.i))).toEqual([[0, 1, 3], [2], [4]]);
  });
});

describe.each(DIALECTS)('the push log behind caps on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  const now = Date.now();
  let seq = 0;

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  function request(subscriberId: string, limits: CapLimits | null, campaignId = 'cmp_a') {
    seq += 1;
    return { deliveryId: `dlv_${seq}`, subscriberId, campaignId, siteId: 'site_1', limits };
  }

  async function logRows(subscriberId: string) {
    return db.kysely
      .selectFrom('push_log')
      .selectAll()
      .where('subscriber_id', '=', subscriberId)
      .execute();
  }

  it('logs every push, even with no cap configured', async () => {
    const requests = [request('sub_free1', null), request('sub_free2', null)];
    const granted = await store.capping.reserve(requests, now);
    expect([...granted].sort()).toEqual(requests.map((r) => r.deliveryId).sort());
    expect(await logRows('sub_free1')).toHaveLength(1);
    expect(await logRows('sub_free2')).toHaveLength(1);
  });

  it('counts earlier uncapped pushes when a cap is set afterwards', async () => {
    await store.capping.reserve([request('sub_later', null)], now - 60_000);
    const granted = await store.capping.reserve([request('sub_later', perDay(1))], now);
    expect(granted.size).toBe(0);
    expect(await logRows('sub_later')).toHaveLength(1);
  });

  it('grants one batch only as many pushes per subscriber as its cap allows', async () => {
    const requests = [
      request('sub_dup', perDay(2)),
      request('sub_other', perDay(2)),
      request('sub_dup', perDay(2)),
      request('sub_dup', perDay(2)),
    ];
    const granted = await store.capping.reserve(requests, now);
    expect([...granted].sort()).toEqual(
      [requests[0], requests[1], requests[2]].map((r) => r!.deliveryId).sort(),
    );
    expect(await logRows('sub_dup')).toHaveLength(2);
  });

  it('counts only pushes inside the rolling window', async () => {
    await store.capping.reserve([request('sub_old', null)], now - DAY_MS - 1);
    const granted = await store.capping.reserve([request('sub_old', perDay(1))], now);
    expect(granted.size).toBe(1);
  });

  it("counts a campaign cap over that campaign's pushes only", async () => {
    const campaignCap = { ...NO_LIMITS, campaignDay: 1 };
    await store.capping.reserve([request('sub_cmp', null, 'cmp_other')], now);
    const first = await store.capping.reserve([request('sub_cmp', campaignCap, 'cmp_own')], now);
    const second = await store.capping.reserve([request('sub_cmp', campaignCap, 'cmp_own')], now);
    expect([first.size, second.size]).toEqual([1, 0]);
  });

  it('lets a reclaimed delivery keep the slot it already holds without logging a second', async () => {
    const first = request('sub_reclaim', perDay(1));
    await store.capping.reserve([first], now);
    const again = await store.capping.reserve([{ ...first, reclaimed: true }], now);
    expect(again.has(first.deliveryId)).toBe(true);
    expect(await logRows('sub_reclaim')).toHaveLength(1);
  });

  it('frees the slot of a push that never arrived', async () => {
    const first = request('sub_release', perDay(1));
    await store.capping.reserve([first], now);
    await store.capping.release([first.deliveryId]);
    const next = await store.capping.reserve([request('sub_release', perDay(1))], now);
    expect(next.size).toBe(1);
  });

  it('never grants more than the cap to batches reserved at the same time', async () => {
    const subscribers = Array.from({ length: 300 }, (_, i) => `sub_race${i}`);
    const batches: SlotRequest[][] = Array.from({ length: 6 }, () =>
      subscribers.map((s) => request(s, perDay(1))),
    );
    const granted = await Promise.all(batches.map((b) => store.capping.reserve(b, now)));
    expect(granted.reduce((sum, g) => sum + g.size, 0)).toBe(subscribers.length);
    const logged = await db.kysely
      .selectFrom('push_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('subscriber_id', 'like', 'sub_race%')
      .executeTakeFirstOrThrow();
    expect(Number(logged.n)).toBe(subscribers.length);
  });
});
