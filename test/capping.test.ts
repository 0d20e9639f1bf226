import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS, testDatabase, type TestDatabase } from './support/databases.ts';
import { freePort, runBeckon, spawnBeckon, waitForExit } from './support/process.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

const SUBSCRIBERS = 40;

/**
 * Caps hold with several workers: an API-only server and two `beckon worker` processes
 * share one PostgreSQL database and race to deliver five sends to the same subscribers.
 */
describe('frequency capping with two worker processes on PostgreSQL', () => {
  let push: LocalPushService;
  let database: TestDatabase;
  const processes: ChildProcess[] = [];
  let api: (path: string, body?: unknown, method?: string) => Promise<Record<string, any>>;

  beforeAll(async () => {
    push = await createLocalPushService();
    database = testDatabase('postgres');
    const env = {
      BECKON_DATABASE_URL: database.url,
      BECKON_PUSH_ORIGINS_ALLOW: push.origin,
      BECKON_POLL_MS: '20',
    };
    const init = JSON.parse(await runBeckon(['init', '--json'], env)) as {
      apiKey: string;
      siteKey: string;
      siteId: string;
    };
    const port = await freePort();
    processes.push(await spawnBeckon('serve', { ...env, BECKON_WORKERS: 'off' }, port));
    api = async (path, body, method) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as Record<string, any>;
    };
    await api(`/v1/sites/${init.siteId}`, { capping: { perDay: 2 } }, 'PATCH');
    for (const s of push.createSubscribers(SUBSCRIBERS)) {
      await fetch(`http://127.0.0.1:${port}/v1/sites/${init.siteKey}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subscription: { endpoint: s.endpoint, keys: s.keys } }),
      });
    }
    for (let i = 0; i < 2; i++) processes.push(await spawnBeckon('worker', env, 0));
  });

  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await Promise.all(processes.map(waitForExit));
    await push.close();
    await database.drop();
  });

  const settled = (id: string) =>
    eventually(
      async () => {
        const n = await api(`/v1/notifications/${id}`);
        return n.status === 'sent' ? n : undefined;
      },
      { timeoutMs: 30_000, what: `notification ${id}` },
    );

  it('delivers at most perDay pushes to each subscriber and counts the rest as capped; ignoreCapping overrides', async () => {
    const campaign = await api('/v1/campaigns', {
      name: 'Flash',
      messages: [{ title: 'Flash sale', body: '' }],
    });
    const sends = await Promise.all(
      Array.from({ length: 5 }, () =>
        api('/v1/notifications', { campaignId: campaign.id, target: { all: true } }),
      ),
    );
    const results = await Promise.all(sends.map((s) => settled(s.notificationId)));
    const total = (key: string) => results.reduce((sum, r) => sum + r.counts[key], 0);
    expect(total('delivered')).toBe(2 * SUBSCRIBERS);
    expect(total('capped')).toBe(3 * SUBSCRIBERS);
    expect(total('failed')).toBe(0);
    const perSubscriber = new Map<string, number>();
    for (const m of push.messages)
      perSubscriber.set(m.subscriberId, (perSubscriber.get(m.subscriberId) ?? 0) + 1);
    expect([...perSubscriber.values()].every((n) => n === 2)).toBe(true);
    expect(perSubscriber.size).toBe(SUBSCRIBERS);
    const stats = await api(`/v1/campaigns/${campaign.id}/stats`);
    expect(stats).toMatchObject({ delivered: 2 * SUBSCRIBERS, capped: 3 * SUBSCRIBERS });

    const override = await api('/v1/notifications', {
      campaignId: campaign.id,
      target: { all: true },
      ignoreCapping: true,
    });
    const done = await settled(override.notificationId);
    expect(done.counts).toMatchObject({
      delivered: SUBSCRIBERS,
      capped: 0,
      cappingIgnored: SUBSCRIBERS,
    });
    expect(push.messages).toHaveLength(3 * SUBSCRIBERS);
  });
});

/**
 * Caps are rolling windows over pushes a subscriber actually got, whether or not a cap was
 * configured when they were sent (issue 16.1).
 */
describe.each(DIALECTS)('caps set after a broadcast on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  const PAGE = 'https://shop.example';

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin], origins: [PAGE] });
  });

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  async function json(res: Response) {
    return (await res.json()) as Record<string, any>;
  }

  const settled = (id: string) =>
    eventually(
      async () => {
        const n = await json(await beckon.api(`/v1/notifications/${id}`));
        return n.status === 'sent' ? n : undefined;
      },
      { timeoutMs: 15_000, what: `notification ${id}` },
    );

  it('counts a broadcast sent with no cap against a perDay cap set afterwards', async () => {
    const subscribers = push.createSubscribers(3);
    for (const s of subscribers) {
      const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: PAGE },
        body: JSON.stringify({ subscription: { endpoint: s.endpoint, keys: s.keys } }),
      });
      expect(res.status).toBe(201);
    }
    const campaign = await json(
      await beckon.api('/v1/campaigns', {
        body: { name: 'News', messages: [{ title: 'Morning', body: 'news' }] },
      }),
    );
    const send = async () =>
      json(
        await beckon.api('/v1/notifications', {
          body: { campaignId: campaign.id, target: { all: true } },
        }),
      );

    const morning = await settled((await send()).notificationId);
    expect(morning.counts).toMatchObject({ delivered: 3, capped: 0 });

    const patched = await beckon.api(`/v1/sites/${beckon.siteId}`, {
      method: 'PATCH',
      body: { capping: { perDay: 1 } },
    });
    expect(patched.status).toBe(200);

    const noon = await settled((await send()).notificationId);
    expect(noon.counts).toMatchObject({ delivered: 0, capped: 3, failed: 0 });
    expect(push.messages).toHaveLength(3);
  });

  it('does not count a push the push service refused against the cap', async () => {
    const site = await json(
      await beckon.api('/v1/sites', {
        body: { name: 'Capped', origins: [PAGE], capping: { perDay: 1 } },
      }),
    );
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${site.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
      }),
    });
    const { subscriberId } = (await res.json()) as { subscriberId: string };
    const campaign = await json(
      await beckon.api('/v1/campaigns', {
        body: { name: 'Once', messages: [{ title: 'Once a day', body: '' }] },
      }),
    );
    const send = async () =>
      json(
        await beckon.api('/v1/notifications', {
          body: { campaignId: campaign.id, target: { subscriberIds: [subscriberId] } },
        }),
      );
    push.respondWith(subscriber.id, { status: 403, body: '{"reason":"BadJwtToken"}', times: 1 });
    const refused = await settled((await send()).notificationId);
    expect(refused.counts).toMatchObject({ failed: 1, capped: 0 });

    const next = await settled((await send()).notificationId);
    expect(next.counts).toMatchObject({ delivered: 1, capped: 0 });
    const third = await settled((await send()).notificationId);
    expect(third.counts).toMatchObject({ delivered: 0, capped: 1 });
  });
});
