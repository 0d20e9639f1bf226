import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
  pushed,
} from './support/push-service/index.ts';

/**
 * The foundation's promise, end to end through real HTTP: subscribe through the public API,
 * sync to an externalId, send, and the local push service — which verifies VAPID and
 * decrypts — receives exactly the payload. Then the failure paths of RFC 8030.
 */
describe.each(DIALECTS)('delivery on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;
  const PAGE = 'https://shop.example';

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin], origins: [PAGE] });
    const res = await beckon.api('/v1/campaigns', {
      body: {
        name: 'Abandoned cart',
        messages: [
          {
            id: 'm1',
            title: 'Your cart misses you',
            body: 'Come back for 10% off',
            url: 'https://shop.example/cart',
          },
          { id: 'm2', title: 'Second', body: 'Other' },
        ],
      },
    });
    expect(res.status).toBe(201);
    campaignId = ((await res.json()) as { id: string }).id;
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  async function subscribe(subscriber: VirtualSubscriber, extra: Record<string, unknown> = {}) {
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        ...extra,
        // The site requires identity verification: an externalId travels with its hash.
        ...(typeof extra.externalId === 'string' && {
          userHash: beckon.userHash(extra.externalId),
        }),
      }),
    });
    return { status: res.status, body: (await res.json()) as { subscriberId: string } };
  }

  async function send(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const res = await beckon.api('/v1/notifications', { body: { campaignId, ...body }, headers });
    expect(res.status).toBe(202);
    return (await res.json()) as { notificationId: string; jobId: string };
  }

  async function notification(id: string) {
    return (await (await beckon.api(`/v1/notifications/${id}`)).json()) as {
      status: string;
      counts: Record<string, number>;
    };
  }

  async function settled(id: string) {
    return eventually(
      async () => {
        const n = await notification(id);
        return n.status === 'sent' ? n : undefined;
      },
      { what: `notification ${id} to be sent`, timeoutMs: 15_000 },
    );
  }

  it('subscribes, syncs to an externalId, sends, and the push service decrypts the exact payload; a click shows in stats', async () => {
    const subscriber = push.createSubscriber();
    const first = await subscribe(subscriber, {
      anonymousId: 'anon-1',
      timezone: 'Europe/Berlin',
      language: 'de',
    });
    expect(first.status).toBe(201);
    const again = await subscribe(subscriber, { anonymousId: 'anon-1' });
    expect(again).toEqual({ status: 200, body: { subscriberId: first.body.subscriberId } });

    const identify = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify({
        type: 'identify',
        externalId: 'user-42',
        userHash: beckon.userHash('user-42'),
        subscriberId: first.body.subscriberId,
        traits: { plan: 'pro' },
      }),
    });
    expect(identify.status).toBe(202);
    const listed = (await (await beckon.api('/v1/subscribers?externalId=user-42')).json()) as {
      data: Array<{ id: string }>;
    };
    expect(listed.data.map((s) => s.id)).toEqual([first.body.subscriberId]);

    const { notificationId } = await send({
      target: { externalIds: ['user-42'] },
      ttl: 600,
      urgency: 'high',
      topic: 'cart',
    });
    const [message] = await push.waitForMessages(1);
    const { deliveryId } = pushed(message!.payload);
    // WebKit's Declarative Web Push message, exactly (API.md "The push payload (declarative)").
    expect(JSON.parse(message!.payload)).toEqual({
      web_push: 8030,
      notification: {
        title: 'Your cart misses you',
        body: 'Come back for 10% off',
        navigate: `https://shop.example/cart?bk_d=${deliveryId}`,
        data: { deliveryId: expect.stringMatching(/^dlv_/), url: 'https://shop.example/cart' },
      },
      mutable: true,
    });
    expect(message!.vapid).toMatchObject({ publicKey: beckon.vapidPublicKey, aud: push.origin });
    expect(message!.headers).toMatchObject({ urgency: 'high', topic: 'cart' });
    expect(message!.headers.ttl).toBeGreaterThan(590);
    expect(message!.headers.ttl).toBeLessThanOrEqual(600);

    const done = await settled(notificationId);
    expect(done.counts).toMatchObject({
      targeted: 1,
      sent: 1,
      delivered: 1,
      failed: 0,
      expired: 0,
    });

    const receipt = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify({ deliveryId, kind: 'clicked' }),
    });
    expect(receipt.status).toBe(202);
    // The same receipt again (a worker retrying) is counted once.
    await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryId, kind: 'clicked' }),
    });
    const stats = (await (await beckon.api(`/v1/campaigns/${campaignId}/stats`)).json()) as {
      messages: Array<Record<string, unknown>>;
    };
    expect(stats.messages.find((m) => m.messageId === 'm1')).toMatchObject({
      sent: 1,
      delivered: 1,
      clicked: 1,
      failed: 0,
    });
  });

  it('deletes the subscriber when the push service answers 410', async () => {
    const subscriber = push.createSubscriber();
    const { body } = await subscribe(subscriber);
    push.respondWith(subscriber.id, { status: 410 });
    const { notificationId } = await send({ target: { subscriberIds: [body.subscriberId] } });
    const done = await settled(notificationId);
    expect(done.counts).toMatchObject({ targeted: 1, sent: 1, delivered: 0, failed: 1 });
    expect((await beckon.api(`/v1/subscribers/${body.subscriberId}`)).status).toBe(404);
  });

  it("records a 403's reason (Apple's BadJwtToken) on the delivery and counts failure reasons on the notification", async () => {
    const refused = push.createSubscribers(2);
    const other = push.createSubscriber();
    const ids: string[] = [];
    for (const s of [...refused, other]) ids.push((await subscribe(s)).body.subscriberId);
    for (const s of refused) {
      push.respondWith(s.id, { status: 403, body: '{"reason":"BadJwtToken"}', times: 1 });
    }
    push.respondWith(other.id, { status: 400, body: 'Invalid\r\nTTL', times: 1 });
    const { notificationId } = await send({ target: { subscriberIds: ids } });
    const done = (await settled(notificationId)) as Awaited<ReturnType<typeof settled>> & {
      failureReasons: Array<{ reason: string; count: number }>;
    };
    expect(done.counts).toMatchObject({ targeted: 3, sent: 3, delivered: 0, failed: 3 });
    expect(done.failureReasons).toEqual([
      { reason: 'push service answered 403: BadJwtToken', count: 2 },
      { reason: 'push service answered 400: Invalid TTL', count: 1 },
    ]);
    const rows = await beckon.store.db.kysely
      .selectFrom('deliveries')
      .select(['subscriber_id', 'last_error'])
      .where('notification_id', '=', notificationId)
      .execute();
    expect(rows.find((r) => r.subscriber_id === ids[0])?.last_error).toBe(
      'push service answered 403: BadJwtToken',
    );
    // A refused JWT is the sender's fault: the subscription stays.
    expect((await beckon.api(`/v1/subscribers/${ids[0]}`)).status).toBe(200);
  });

  it('retries a 429 no sooner than its Retry-After', async () => {
    const subscriber = push.createSubscriber();
    const { body } = await subscribe(subscriber);
    push.respondWith(subscriber.id, { status: 429, retryAfter: 1, times: 1 });
    const { notificationId } = await send({ target: { subscriberIds: [body.subscriberId] } });
    const [message] = await push.waitForMessages(1, { timeoutMs: 10_000 });
    const attempts = push.attempts.filter((a) => a.subscriberId === subscriber.id);
    expect(attempts.map((a) => a.status)).toEqual([429, 201]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(pushed(message!.payload).title).toBe('Your cart misses you');
    expect((await settled(notificationId)).counts).toMatchObject({ sent: 1, delivered: 1 });
  });

  it('retries 500 with backoff and gives up when the TTL runs out', async () => {
    const subscriber = push.createSubscriber();
    const { body } = await subscribe(subscriber);
    push.respondWith(subscriber.id, { status: 500 });
    const { notificationId } = await send({
      target: { subscriberIds: [body.subscriberId] },
      ttl: 1,
    });
    const done = await settled(notificationId);
    expect(done.counts).toMatchObject({ delivered: 0, expired: 1 });
    expect(
      push.attempts.filter((a) => a.subscriberId === subscriber.id).length,
    ).toBeGreaterThanOrEqual(1);
    expect(push.messages).toHaveLength(0);
  });

  it('never sends a notification after its TTL', async () => {
    const subscriber = push.createSubscriber();
    const { body } = await subscribe(subscriber);
    await beckon.stopWorkers();
    try {
      const { notificationId } = await send({
        target: { subscriberIds: [body.subscriberId] },
        ttl: 60,
      });
      beckon.advanceClock(61_000); // the workers were down for longer than the TTL
      beckon.startWorkers();
      const done = await settled(notificationId);
      expect(done.counts).toMatchObject({ targeted: 1, sent: 0, delivered: 0, expired: 1 });
      expect(push.attempts.filter((a) => a.subscriberId === subscriber.id)).toHaveLength(0);
    } finally {
      beckon.startWorkers();
    }
  });

  it('targets subscribers by subscription date (subscribedBetween)', async () => {
    const early = push.createSubscriber();
    await subscribe(early, { externalId: `cohort-${dialect}` });
    const boundary = new Date(Date.now() + 2 * 3_600_000 + 30 * 60_000).toISOString();
    beckon.advanceClock(3 * 3_600_000); // the second one subscribes three hours later
    const late = push.createSubscriber();
    await subscribe(late, { externalId: `cohort-${dialect}` });
    const target = (subscribedBetween: unknown) => ({
      externalIds: [`cohort-${dialect}`],
      subscribedBetween,
    });
    const after = await send({ target: target({ from: boundary }) });
    await settled(after.notificationId);
    const before = await send({ target: target({ to: boundary }) });
    await settled(before.notificationId);
    const endpoints = push.messages.map((m) => m.endpoint);
    expect(endpoints).toEqual([late.endpoint, early.endpoint]);
  });

  it('sends a repeated Idempotency-Key request only once', async () => {
    const subscriber = push.createSubscriber();
    const { body } = await subscribe(subscriber);
    const request = { target: { subscriberIds: [body.subscriberId] } };
    const first = await send(request, { 'idempotency-key': `order-${dialect}-1` });
    const second = await send(request, { 'idempotency-key': `order-${dialect}-1` });
    expect(second).toEqual(first);
    await settled(first.notificationId);
    await new Promise((r) => setTimeout(r, 300));
    expect(push.messages.filter((m) => m.subscriberId === subscriber.id)).toHaveLength(1);
  });

  it('reports fan-out progress through its job and delivers to every subscriber once', async () => {
    const subscribers = push.createSubscribers(120);
    for (const s of subscribers) await subscribe(s, { externalId: 'crowd' });
    const { notificationId, jobId } = await send({
      target: { externalIds: ['crowd'] },
      messageId: 'm2',
    });
    const done = await settled(notificationId);
    expect(done.counts).toMatchObject({ targeted: 120, delivered: 120 });
    const job = (await (await beckon.api(`/v1/jobs/${jobId}`)).json()) as Record<string, unknown>;
    expect(job).toMatchObject({
      id: jobId,
      status: 'succeeded',
      progress: { done: 120, total: 120 },
    });
    const received = new Set(push.messages.map((m) => m.subscriberId));
    expect(received.size).toBe(120);
    expect(push.messages.every((m) => pushed(m.payload).title === 'Second')).toBe(true);
  });
});
