import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBeckon, eventually, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
} from './support/push-service/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Point {
  at: string;
  sent: number;
  delivered: number;
  failed: number;
  capped: number;
  shown: number;
  clicked: number;
  closed: number;
}
interface SubscriberPoint {
  at: string;
  subscribed: number;
  unsubscribed: number;
  total: number;
  endings: Record<'gone' | 'unsubscribed' | 'revoked' | 'erased', number>;
}

/** API.md "Dashboard and accounts": stats over time from roll-ups kept as work happens. */
describe.each(DIALECTS)('stats over time on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;
  const browsers: Array<{ browser: VirtualSubscriber; id: string }> = [];

  async function api<T>(path: string, body?: unknown, method?: string): Promise<T> {
    const res = await beckon.api(path, { body, method });
    const text = await res.text();
    expect(res.status, `${path}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  async function subscribe(categories: string[] = []) {
    const browser = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: browser.endpoint, keys: browser.keys },
        categories,
      }),
    });
    expect(res.status).toBe(201);
    const one = { browser, id: ((await res.json()) as { subscriberId: string }).subscriberId };
    browsers.push(one);
    return one;
  }
  const today = () => new Date(Date.now() - (Date.now() % DAY)).toISOString();
  const thisHour = () => new Date(Date.now() - (Date.now() % HOUR)).toISOString();

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({
      dialect,
      pushOrigins: [push.origin],
      categories: [
        { id: 'news', label: 'News' },
        { id: 'deals', label: 'Deals' },
      ],
    });
    campaignId = (
      await api<{ id: string }>('/v1/campaigns', {
        name: 'Launch',
        messages: [
          { id: 'a', title: 'A', body: 'a' },
          { id: 'b', title: 'B', body: 'b' },
        ],
      })
    ).id;
  });
  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  it('counts sends, outcomes and receipts in the hour they happen, per campaign and message', async () => {
    const [one, two, gone] = [await subscribe(['news']), await subscribe(), await subscribe()];
    push.respondWith(gone.browser.id, { status: 410 });
    const { notificationId } = await api<{ notificationId: string }>('/v1/notifications', {
      campaignId,
      messageId: 'b',
      target: { subscriberIds: [one.id, two.id, gone.id] },
    });
    await eventually(
      async () =>
        (await api<{ status: string }>(`/v1/notifications/${notificationId}`)).status === 'sent',
      { timeoutMs: 20_000, what: 'the send to finish' },
    );
    const deliveryId = (
      await beckon.store.db.kysely
        .selectFrom('deliveries')
        .select('id')
        .where('subscriber_id', '=', one.id)
        .executeTakeFirstOrThrow()
    ).id;
    for (const kind of ['shown', 'clicked']) {
      const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ deliveryId, kind }),
      });
      expect(res.status).toBe(202);
    }

    const hourly = await api<{ series: Point[]; interval: string; sent: number }>(
      `/v1/campaigns/${campaignId}/stats?interval=hour`,
    );
    expect(hourly.interval).toBe('hour');
    expect(hourly.series).toHaveLength(48);
    expect(hourly.series.at(-1)).toEqual({
      at: thisHour(),
      sent: 3,
      delivered: 2,
      failed: 1,
      capped: 0,
      shown: 1,
      clicked: 1,
      closed: 0,
    });
    expect(hourly.series.slice(0, -1).every((p) => p.sent === 0)).toBe(true);
    // The totals and the series agree.
    expect(hourly.sent).toBe(3);

    const daily = await api<{ series: Point[] }>(`/v1/campaigns/${campaignId}/stats?interval=day`);
    expect(daily.series).toHaveLength(30);
    expect(daily.series.at(-1)).toMatchObject({ at: today(), sent: 3, shown: 1 });

    const ofA = await api<{ series: Point[]; messageId: string }>(
      `/v1/campaigns/${campaignId}/stats?interval=day&messageId=a`,
    );
    expect(ofA.messageId).toBe('a');
    expect(ofA.series.every((p) => p.sent === 0)).toBe(true);
    const ofB = await api<{ series: Point[] }>(
      `/v1/campaigns/${campaignId}/stats?interval=day&messageId=b`,
    );
    expect(ofB.series.at(-1)).toMatchObject({ sent: 3, delivered: 2 });
  });

  it('places counters recorded in the past in their own hour and day, within from/to', async () => {
    const workspaceId = (await api<{ id: string }>('/v1/organization')).id;
    const at = Date.parse('2026-03-10T14:25:00Z');
    await beckon.store.campaigns.incrementStats([
      { workspaceId, campaignId, messageId: 'a', at, counts: { sent: 5, delivered: 4 } },
      { workspaceId, campaignId, messageId: 'a', at: at + HOUR, counts: { sent: 2 } },
      { workspaceId, campaignId, messageId: 'b', at: at + DAY, counts: { clicked: 7 } },
    ]);
    const hours = await api<{ series: Point[]; from: string; to: string }>(
      `/v1/campaigns/${campaignId}/stats?interval=hour&from=2026-03-10T13:30:00Z&to=2026-03-10T16:00:00Z`,
    );
    expect(hours.from).toBe('2026-03-10T13:00:00.000Z');
    expect(hours.series.map((p) => [p.at, p.sent, p.delivered])).toEqual([
      ['2026-03-10T13:00:00.000Z', 0, 0],
      ['2026-03-10T14:00:00.000Z', 5, 4],
      ['2026-03-10T15:00:00.000Z', 2, 0],
    ]);
    const days = await api<{ series: Point[] }>(
      `/v1/campaigns/${campaignId}/stats?interval=day&from=2026-03-10T00:00:00Z&to=2026-03-12T00:00:00Z`,
    );
    expect(days.series.map((p) => [p.at, p.sent, p.clicked])).toEqual([
      ['2026-03-10T00:00:00.000Z', 7, 0],
      ['2026-03-11T00:00:00.000Z', 0, 7],
    ]);
  });

  it("sums the workspace's pushes over time and ranks its campaigns by click-through rate", async () => {
    const other = (
      await api<{ id: string }>('/v1/campaigns', {
        name: 'Quiet',
        messages: [{ id: 'q', title: 'Q', body: 'q' }],
      })
    ).id;
    const workspaceId = (await api<{ id: string }>('/v1/organization')).id;
    await beckon.store.campaigns.incrementStats([
      {
        workspaceId,
        campaignId: other,
        messageId: 'q',
        at: Date.now(),
        counts: { sent: 10, delivered: 10, clicked: 1 },
      },
    ]);
    const overview = await api<{
      sent: number;
      series: Point[];
      topCampaigns: Array<{ campaignId: string; name: string; ctr: number }>;
    }>('/v1/stats/pushes');
    expect(overview.series).toHaveLength(30);
    expect(overview.series.at(-1)).toMatchObject({ at: today(), sent: 13, delivered: 12 });
    expect(overview.sent).toBe(13);
    // Launch: 1 click of 2 delivered (today's range; the March counters are outside it).
    expect(overview.topCampaigns.map((t) => [t.name, t.ctr])).toEqual([
      ['Launch', 0.5],
      ['Quiet', 0.1],
    ]);
  });

  it('refuses a bad interval, a reversed or too long range, a zoned time and an unknown message', async () => {
    for (const query of [
      'interval=week',
      'interval=hour&from=2026-03-10T00:00:00Z&to=2026-03-09T00:00:00Z',
      'interval=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      'interval=day&from=2026-03-10T00:00:00+02:00',
    ]) {
      const res = await beckon.api(`/v1/campaigns/${campaignId}/stats?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect(
      (await beckon.api(`/v1/campaigns/${campaignId}/stats?interval=day&messageId=zz`)).status,
    ).toBe(404);
  });

  it('counts subscribers per day, per site and category, with every ending and its reason', async () => {
    const before = await api<{ total: number; series: SubscriberPoint[] }>('/v1/stats/subscribers');
    // The previous test: 3 subscribed, one gone (410).
    expect(before.total).toBe(2);
    expect(before.series.at(-1)).toMatchObject({
      at: today(),
      subscribed: 3,
      unsubscribed: 1,
      total: 2,
      endings: { gone: 1, unsubscribed: 0, revoked: 0, erased: 0 },
    });

    const left = await subscribe(['news']);
    const revoked = await subscribe(['news', 'deals']);
    const removed = await subscribe();
    await subscribe(['deals']);
    const unsubscribe = (endpoint: string, reason?: string) =>
      fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint, ...(reason && { reason }) }),
      });
    expect((await unsubscribe(left.browser.endpoint)).status).toBe(204);
    expect((await unsubscribe(revoked.browser.endpoint, 'revoked')).status).toBe(204);
    expect((await unsubscribe(removed.browser.endpoint, 'bogus')).status).toBe(400);
    await api(`/v1/subscribers/${removed.id}`, undefined, 'DELETE');

    const all = await api<{ total: number; series: SubscriberPoint[] }>(
      `/v1/stats/subscribers?interval=day&siteId=${beckon.siteId}`,
    );
    expect(all.total).toBe(3);
    expect(all.series).toHaveLength(30);
    expect(all.series.at(-1)).toEqual({
      at: today(),
      subscribed: 7,
      unsubscribed: 4,
      total: 3,
      endings: { gone: 1, unsubscribed: 1, revoked: 1, erased: 1 },
    });
    expect(all.series.at(-2)).toMatchObject({ subscribed: 0, total: 0 });

    const news = await api<{ total: number; series: SubscriberPoint[] }>(
      '/v1/stats/subscribers?category=news',
    );
    // news: the first subscriber (still there), `left` and `revoked` (ended).
    expect(news.total).toBe(1);
    expect(news.series.at(-1)).toMatchObject({
      subscribed: 3,
      unsubscribed: 2,
      total: 1,
      endings: { unsubscribed: 1, revoked: 1 },
    });
  });

  it('counts an erased user’s subscribers as erased', async () => {
    const browser = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: browser.endpoint, keys: browser.keys },
        externalId: 'erase-me',
        userHash: beckon.userHash('erase-me'),
      }),
    });
    expect(res.status).toBe(201);
    await api('/v1/users/erase-me', undefined, 'DELETE');
    const stats = await api<{ series: SubscriberPoint[] }>('/v1/stats/subscribers');
    expect(stats.series.at(-1)!.endings.erased).toBe(2);
  });

  it('keeps totals right on earlier days by walking back from today', async () => {
    const from = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10) + 'T00:00:00Z';
    const stats = await api<{ total: number; series: SubscriberPoint[] }>(
      `/v1/stats/subscribers?from=${from}`,
    );
    expect(stats.series).toHaveLength(4);
    expect(stats.series.map((p) => p.total)).toEqual([0, 0, 0, stats.total]);
  });

  it('answers a foreign or unknown site with 404 and a bad range with 400', async () => {
    expect((await beckon.api('/v1/stats/subscribers?siteId=site_nope')).status).toBe(404);
    expect((await beckon.api('/v1/stats/subscribers?interval=hour')).status).toBe(400);
    expect(
      (await beckon.api('/v1/stats/subscribers?from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z'))
        .status,
    ).toBe(400);
  });
});
