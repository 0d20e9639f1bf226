import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';

const KEYS = {
  p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  auth: 'tBHItJI5svbpez7KI4CCXg',
};

interface Activity {
  events: Array<{ id: string; type: string; name: string | null; properties: object }>;
  pushes: Array<{
    deliveryId: string;
    notificationId: string;
    campaignId: string;
    status: string;
    receipts: { shown: string | null; clicked: string | null; closed: string | null };
  }>;
}

/** `GET /v1/subscribers/{id}/activity`: a subscriber's page lists its events and pushes (issue 12). */
describe.each(DIALECTS)('a subscriber’s recent activity on %s', (dialect) => {
  let beckon: TestBeckon;
  let ada: string;
  let bare: string;
  let campaignId: string;
  const notificationIds: string[] = [];

  const publicPost = (path: string, body: unknown) =>
    fetch(`${beckon.url}/v1/sites/${beckon.siteKey}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const subscribe = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await publicPost('/subscriptions', {
      subscription: { endpoint: `https://fcm.googleapis.com/fcm/send/${name}`, keys: KEYS },
      ...extra,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { subscriberId: string }).subscriberId;
  };
  const activity = async (id: string, query = '') => {
    const res = await beckon.api(`/v1/subscribers/${id}/activity${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Activity;
  };
  const send = async (subscriberId: string) => {
    const res = await beckon.api('/v1/notifications', {
      body: { campaignId, target: { subscriberIds: [subscriberId] } },
    });
    const { notificationId } = (await res.json()) as { notificationId: string };
    for (let i = 0; i < 10 && (await beckon.engine.jobRunner.runOnce()); i++);
    return notificationId;
  };

  beforeAll(async () => {
    // No workers: deliveries stay queued, so their status is the one the test sets.
    beckon = await startBeckon({ dialect, workers: false });
    ada = await subscribe('ada', { externalId: 'ada', userHash: beckon.userHash('ada') });
    bare = await subscribe('bare');
    // Its own event, its user's event from the backend (no subscriber), and someone else's.
    await publicPost('/events', {
      type: 'track',
      event: 'Viewed Shoes',
      subscriberId: ada,
      properties: { size: 42 },
      timestamp: new Date(Date.now() - 60_000).toISOString(),
    });
    await beckon.api('/v1/track', {
      body: { userId: 'ada', event: 'Order Completed', properties: { total: 99 } },
    });
    await publicPost('/events', { type: 'track', event: 'Not Ada', subscriberId: bare });
    await eventually(async () => (await activity(ada)).events.length === 2 || undefined, {
      what: 'both of ada’s events stored',
    });
    campaignId = (
      (await (
        await beckon.api('/v1/campaigns', {
          body: { name: 'News', messages: [{ id: 'm', title: 'News', body: 'Hi' }] },
        })
      ).json()) as { id: string }
    ).id;
    notificationIds.push(await send(ada));
    await new Promise((resolve) => setTimeout(resolve, 5));
    notificationIds.push(await send(ada));
    await send(bare);
  });

  afterAll(async () => {
    await beckon?.stop();
  });

  it('lists the subscriber’s own events and its user’s, newest first, and no one else’s', async () => {
    const { events } = await activity(ada);
    expect(events.map((e) => e.name)).toEqual(['Order Completed', 'Viewed Shoes']);
    expect(events[1]).toMatchObject({ type: 'track', properties: { size: 42 } });
  });

  it('lists its pushes newest first with their status and receipts', async () => {
    const first = (await activity(ada)).pushes;
    expect(first.map((p) => p.notificationId)).toEqual([...notificationIds].reverse());
    const clickedId = first[0]!.deliveryId;
    expect((await publicPost('/receipts', { deliveryId: clickedId, kind: 'clicked' })).status).toBe(
      202,
    );
    const [latest, older] = (await activity(ada)).pushes;
    expect(latest).toMatchObject({
      campaignId,
      status: 'queued',
      receipts: { shown: null, closed: null },
    });
    expect(Date.parse(latest!.receipts.clicked!)).toBeGreaterThan(0);
    expect(older!.receipts).toEqual({ shown: null, clicked: null, closed: null });
  });

  it('shows a bare subscriber only its own events and pushes', async () => {
    const { events, pushes } = await activity(bare);
    expect(events.map((e) => e.name)).toEqual(['Not Ada']);
    expect(pushes).toHaveLength(1);
  });

  it('returns at most limit of each', async () => {
    const { events, pushes } = await activity(ada, '?limit=1');
    expect(events.map((e) => e.name)).toEqual(['Order Completed']);
    expect(pushes.map((p) => p.notificationId)).toEqual([notificationIds[1]]);
  });

  it.each(['limit=0', 'limit=101', 'limit=ten'])('refuses ?%s with a problem', async (q) => {
    const res = await beckon.api(`/v1/subscribers/${ada}/activity?${q}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('is a 404 for an unknown subscriber and for another workspace’s', async () => {
    expect((await beckon.api('/v1/subscribers/sub_nope/activity')).status).toBe(404);
    const rival = await initWorkspace(beckon.store, { name: 'Rival' }, Date.now());
    const res = await fetch(`${beckon.url}/v1/subscribers/${ada}/activity`, {
      headers: { authorization: `Bearer ${rival.apiKey}` },
    });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('Viewed Shoes');
  });
});
