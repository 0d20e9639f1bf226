import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  pushed,
} from './support/push-service/index.ts';

/** Segment-spec ingestion, users and GDPR erasure, on both dialects. */
describe.each(DIALECTS)('ingestion and users on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
  });

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  const count = async (
    table: 'events' | 'subscribers' | 'deliveries' | 'receipts' | 'audience_members' | 'users',
  ) =>
    Number(
      (
        await beckon.store.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  async function subscribe(extra: Record<string, unknown>, siteKey = beckon.siteKey) {
    const s = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: s.endpoint, keys: s.keys },
        ...extra,
        // Sites require identity verification: an externalId travels with its hash.
        ...(typeof extra.externalId === 'string' && {
          userHash: await beckon.userHashOn(siteKey, extra.externalId),
        }),
      }),
    });
    return ((await res.json()) as { subscriberId: string }).subscriberId;
  }

  it('accepts a Segment pipeline payload unchanged, with Basic auth as the write key', async () => {
    const segmentTrack = {
      type: 'track',
      event: 'Cart Updated',
      userId: 'seg-1',
      anonymousId: '507f191e810c19729de860ea',
      messageId: 'ajs-next-1',
      properties: { value: 42, product_name: 'Blue hat' },
      context: {
        ip: '203.0.113.7',
        library: { name: 'analytics.js', version: '2.11.1' },
        page: { path: '/cart' },
      },
      integrations: { All: true },
      timestamp: '2026-11-23T07:30:00.000Z',
      originalTimestamp: '2026-11-23T07:29:59.123Z',
      sentAt: '2026-11-23T07:30:00.100Z',
      receivedAt: '2026-11-23T07:30:00.200Z',
      channel: 'client',
      version: 2,
    };
    const res = await fetch(`${beckon.url}/v1/track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${beckon.apiKey}:`).toString('base64')}`,
      },
      body: JSON.stringify(segmentTrack),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, recorded: 1 });
    const row = await beckon.store.db.kysely
      .selectFrom('events')
      .selectAll()
      .where('message_id', '=', 'ajs-next-1')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      external_id: 'seg-1',
      name: 'Cart Updated',
      occurred_at: Date.parse('2026-11-23T07:30:00.000Z'),
    });
    expect(JSON.parse(row.properties)).toEqual({ value: 42, product_name: 'Blue hat' });
  });

  it('records an image-pixel page view and answers a 1×1 GIF', async () => {
    const before = await count('events');
    const res = await fetch(
      `${beckon.url}/v1/sites/${beckon.siteKey}/pixel.gif?type=track&event=Newsletter%20Opened&anonymousId=img-1&messageId=img-msg-1&properties=${encodeURIComponent('{"issue":7}')}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 6)
        .toString(),
    ).toBe('GIF89a');
    expect(await count('events')).toBe(before + 1);
    const row = await beckon.store.db.kysely
      .selectFrom('events')
      .selectAll()
      .where('message_id', '=', 'img-msg-1')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: 'track', name: 'Newsletter Opened', anonymous_id: 'img-1' });
    expect(JSON.parse(row.properties)).toEqual({ issue: 7 });
    const bad = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/pixel.gif?type=bogus`);
    expect(bad.status).toBe(400);
  });

  it('de-duplicates by messageId, also inside one batch', async () => {
    const before = await count('events');
    const call = { type: 'track', userId: 'dup', event: 'Viewed', messageId: 'm-dup-1' };
    const batch = await beckon.api('/v1/batch', {
      body: { batch: [call, call, { ...call, messageId: 'm-dup-2' }] },
    });
    expect(await batch.json()).toMatchObject({ recorded: 2, duplicates: 1 });
    const again = await beckon.api('/v1/track', { body: call });
    expect(await again.json()).toMatchObject({ recorded: 0, duplicates: 1 });
    expect(await count('events')).toBe(before + 2);
  });

  it('drops a call with only an anonymousId, counts it, and refuses one with neither id', async () => {
    const before = await count('events');
    const dropped = await beckon.api('/v1/identify', {
      body: { anonymousId: 'anon-9', traits: { plan: 'x' } },
    });
    expect(dropped.status).toBe(200);
    expect(await dropped.json()).toMatchObject({ dropped: 1, recorded: 0 });
    const neither = await beckon.api('/v1/track', { body: { event: 'X' } });
    expect(neither.status).toBe(400);
    expect(neither.headers.get('content-type')).toContain('application/problem+json');
    const badBatch = await beckon.api('/v1/batch', {
      body: {
        batch: [
          { type: 'track', userId: 'u', event: 'A' },
          { type: 'track', event: 'B' },
        ],
      },
    });
    expect(badBatch.status).toBe(400);
    expect(await count('events')).toBe(before);
    const org = (await (await beckon.api('/v1/organization')).json()) as {
      ingestion: { dropped: number };
    };
    expect(org.ingestion.dropped).toBeGreaterThanOrEqual(1);
  });

  it('refuses timestamps that are not UTC', async () => {
    for (const timestamp of ['2026-11-23T09:30:00+02:00', '2026-11-23T07:30:00', 'yesterday']) {
      const res = await beckon.api('/v1/track', { body: { userId: 'u', event: 'A', timestamp } });
      expect(res.status).toBe(400);
    }
    const utc = await beckon.api('/v1/track', {
      body: { userId: 'u', event: 'A', timestamp: '2026-11-23T07:30:00+00:00' },
    });
    expect(utc.status).toBe(200);
  });

  it('updates the manual audience named by an Engage-style trait', async () => {
    const res = await beckon.api('/v1/audiences', { body: { name: 'VIP Customers' } });
    const { id } = (await res.json()) as { id: string };
    await beckon.api('/v1/identify', {
      body: { userId: 'vip-1', traits: { vip_customers: true, email: 'a@b.c' } },
    });
    const members = async () =>
      (
        (await (await beckon.api(`/v1/audiences/${id}/members`)).json()) as {
          data: Array<{ externalId: string }>;
        }
      ).data.map((m) => m.externalId);
    expect(await members()).toEqual(['vip-1']);
    await beckon.api('/v1/identify', {
      body: { userId: 'vip-1', traits: { vip_customers: false } },
    });
    expect(await members()).toEqual([]);
  });

  it('links the browser subscriber to the user when the server identifies its anonymousId', async () => {
    const subscriberId = await subscribe({ anonymousId: 'browser-anon-1' });
    await beckon.api('/v1/identify', {
      body: { userId: 'linked-user', anonymousId: 'browser-anon-1' },
    });
    const user = (await (await beckon.api('/v1/users/linked-user')).json()) as {
      subscribers: Array<{ id: string }>;
    };
    expect(user.subscribers.map((s) => s.id)).toEqual([subscriberId]);
  });

  it('puts and gets a user with its subscribers on every site and its audiences', async () => {
    const put = await beckon.api('/v1/users/u-77', {
      method: 'PUT',
      body: { traits: { plan: 'gold' } },
    });
    expect(put.status).toBe(200);
    const site2 = (await (
      await beckon.api('/v1/sites', { body: { name: 'Second', origins: [] } })
    ).json()) as { siteKey: string; id: string };
    const a = await subscribe({ externalId: 'u-77' });
    const b = await subscribe({ externalId: 'u-77' }, site2.siteKey);
    const gold = (await (
      await beckon.api('/v1/audiences', {
        body: { name: 'Gold', rule: { trait: { plan: 'gold' } } },
      })
    ).json()) as { id: string };
    const user = (await (await beckon.api('/v1/users/u-77')).json()) as {
      traits: unknown;
      subscribers: Array<{ id: string; siteId: string }>;
      audiences: Array<{ id: string }>;
    };
    expect(user.traits).toEqual({ plan: 'gold' });
    expect(user.subscribers.map((s) => s.id).sort()).toEqual([a, b].sort());
    expect(user.audiences.map((x) => x.id)).toEqual([gold.id]);
    expect((await beckon.api('/v1/users/nobody')).status).toBe(404);
  });

  it('erases a user and leaves nothing behind (GDPR)', async () => {
    const site2 = (await (
      await beckon.api('/v1/sites', { body: { name: 'Third', origins: [] } })
    ).json()) as { siteKey: string };
    const s1 = await subscribe({ externalId: 'gdpr-1', anonymousId: 'gdpr-anon' });
    const s2 = await subscribe({ externalId: 'gdpr-1' }, site2.siteKey);
    await beckon.api('/v1/identify', {
      body: { userId: 'gdpr-1', traits: { email: 'gone@example.com' } },
    });
    await beckon.api('/v1/track', {
      body: { userId: 'gdpr-1', event: 'Viewed', properties: { email: 'gone@example.com' } },
    });
    await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'page', anonymousId: 'gdpr-anon' }),
    });
    const manual = (await (
      await beckon.api('/v1/audiences', { body: { name: 'GDPR list' } })
    ).json()) as { id: string };
    await beckon.api(`/v1/audiences/${manual.id}/members`, {
      body: { add: ['gdpr-1'], subscriberIds: [s2] },
    });
    const campaign = (await (
      await beckon.api('/v1/campaigns', {
        body: { name: 'G', messages: [{ title: 'T', body: 'B' }] },
      })
    ).json()) as { id: string };
    const sent = (await (
      await beckon.api('/v1/notifications', {
        body: { campaignId: campaign.id, target: { externalIds: ['gdpr-1'] } },
      })
    ).json()) as { notificationId: string };
    const [message] = await push.waitForMessages(2, { filter: (m) => m.payload.includes('"T"') });
    await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryId: pushed(message!.payload).deliveryId, kind: 'shown' }),
    });
    await eventually(async () => {
      const n = (await (await beckon.api(`/v1/notifications/${sent.notificationId}`)).json()) as {
        status: string;
      };
      return n.status === 'sent';
    });
    await eventually(async () => (await count('audience_members')) > 0, {
      what: 'the members job',
    });

    const res = await beckon.api('/v1/users/gdpr-1', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect((await beckon.api('/v1/users/gdpr-1')).status).toBe(404);
    expect((await beckon.api(`/v1/subscribers/${s1}`)).status).toBe(404);
    const db = beckon.store.db.kysely;
    const dump = JSON.stringify(
      await Promise.all(
        (
          [
            'users',
            'subscribers',
            'events',
            'deliveries',
            'receipts',
            'audience_members',
            'subscriber_categories',
          ] as const
        ).map((t) => db.selectFrom(t).selectAll().execute()),
      ),
    );
    for (const trace of ['gdpr-1', 'gdpr-anon', 'gone@example.com', s1, s2])
      expect(dump).not.toContain(trace);
    expect((await beckon.api('/v1/users/gdpr-1', { method: 'DELETE' })).status).toBe(404);
  });
});
