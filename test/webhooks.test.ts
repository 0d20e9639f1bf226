import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';
import { createWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const ALL_TYPES = [
  'subscriber.created',
  'subscriber.deleted',
  'delivery.sent',
  'delivery.delivered',
  'delivery.failed',
  'delivery.capped',
  'receipt.shown',
  'receipt.clicked',
  'receipt.closed',
  'notification.finished',
];

/**
 * Events out (API.md "Events out"): a Standard Webhooks receiver checks every signature with
 * `standardwebhooks`' verifier, gets each fact once, gets retries after 500s, and nothing
 * after it is disabled.
 */
describe.each(DIALECTS)('webhooks on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let receiver: WebhookReceiver;
  let webhookId: string;

  async function api<T>(path: string, body?: unknown, method?: string) {
    const res = await beckon.api(path, { body, method });
    const text = await res.text();
    expect(res.status, `${method ?? ''} ${path}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function subscribe(externalId?: string) {
    const browser = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: browser.endpoint, keys: browser.keys },
        ...(externalId && { externalId, userHash: beckon.userHash(externalId) }),
      }),
    });
    expect(res.status).toBe(201);
    return { browser, id: ((await res.json()) as { subscriberId: string }).subscriberId };
  }

  async function receipt(deliveryId: string, kind: string, action?: string) {
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryId, kind, ...(action && { action }) }),
    });
    expect(res.status).toBe(202);
  }

  beforeAll(async () => {
    push = await createLocalPushService();
    receiver = await createWebhookReceiver();
    beckon = await startBeckon({
      dialect,
      pushOrigins: [push.origin],
      env: { BECKON_WEBHOOK_ORIGINS_ALLOW: receiver.origin },
    });
  });

  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
    await receiver?.close();
  });

  it('refuses http:, private addresses and unknown event types, storing nothing', async () => {
    for (const body of [
      { url: 'http://example.com/hook', events: ['delivery.sent'] },
      { url: 'https://10.0.0.8/hook', events: ['delivery.sent'] },
      { url: 'https://169.254.169.254/latest', events: ['delivery.sent'] },
      { url: 'https://[::1]/hook', events: ['delivery.sent'] },
      { url: 'https://localhost/hook', events: ['delivery.sent'] },
      { url: 'https://user:pw@example.com/hook', events: ['delivery.sent'] },
      { url: 'https://example.com/hook', events: ['delivery.everything'] },
      { url: 'https://example.com/hook', events: [] },
    ]) {
      const res = await beckon.api('/v1/webhooks', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await api<{ data: unknown[] }>('/v1/webhooks')).data).toEqual([]);
  });

  it('sends every event type, signed, once each, retrying after 500s', async () => {
    const created = await api<{ id: string; secret: string; enabled: boolean }>('/v1/webhooks', {
      url: receiver.url,
      events: ALL_TYPES,
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.enabled).toBe(true);
    webhookId = created.id;
    receiver.useSecret(created.secret);
    // The secret is shown once.
    expect(JSON.stringify(await api(`/v1/webhooks/${webhookId}`))).not.toContain(created.secret);
    receiver.failNext(3);

    await api(`/v1/sites/${beckon.siteId}`, { capping: { perDay: 1 } }, 'PATCH');
    const alice = await subscribe('alice');
    const bob = await subscribe();
    const gone = await subscribe();
    push.respondWith(gone.browser.id, { status: 410 });
    const campaign = await api<{ id: string }>('/v1/campaigns', {
      name: 'News',
      messages: [
        {
          id: 'm1',
          title: 'Hello',
          body: 'there',
          actions: [{ action: 'read', title: 'Read', url: '/read' }],
        },
      ],
    });
    const first = await api<{ notificationId: string }>('/v1/notifications', {
      campaignId: campaign.id,
      target: { all: true },
    });
    await push.waitForMessages(2);
    // Capped: one push a day, and both browsers had theirs.
    const second = await api<{ notificationId: string }>('/v1/notifications', {
      campaignId: campaign.id,
      target: { subscriberIds: [alice.id, bob.id] },
    });
    const delivered = await eventually(
      async () => {
        const ds = receiver.ofType('delivery.delivered');
        return ds.length === 2 ? ds : undefined;
      },
      { what: 'two delivery.delivered events', timeoutMs: 20_000 },
    );
    const aliceDelivery = delivered.find((e) => e.data.subscriberId === alice.id)!;
    await receipt(aliceDelivery.data.deliveryId, 'shown');
    await receipt(aliceDelivery.data.deliveryId, 'clicked', 'read');
    await receipt(aliceDelivery.data.deliveryId, 'clicked', 'read'); // a repeat: no new event
    await receipt(aliceDelivery.data.deliveryId, 'closed');
    const unsubscribe = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: bob.browser.endpoint }),
    });
    expect(unsubscribe.status).toBe(204);

    await eventually(
      async () =>
        ALL_TYPES.every((t) => receiver.ofType(t).length > 0) &&
        receiver.ofType('notification.finished').length === 2 &&
        receiver.ofType('subscriber.deleted').length === 2,
      { what: 'every event type', timeoutMs: 20_000 },
    );
    // Let anything extra arrive before counting.
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.invalid).toEqual([]);
    expect(receiver.failedAnswers).toBe(3);
    const count = (type: string) => receiver.ofType(type).length;
    expect(Object.fromEntries(ALL_TYPES.map((t) => [t, count(t)]))).toEqual({
      'subscriber.created': 3,
      'subscriber.deleted': 2,
      'delivery.sent': 3,
      'delivery.delivered': 2,
      'delivery.failed': 1,
      'delivery.capped': 2,
      'receipt.shown': 1,
      'receipt.clicked': 1,
      'receipt.closed': 1,
      'notification.finished': 2,
    });
    expect(
      receiver.ofType('subscriber.created').find((e) => e.data.subscriberId === alice.id)!.data,
    ).toMatchObject({ externalId: 'alice', siteId: beckon.siteId });
    expect(
      receiver
        .ofType('subscriber.deleted')
        .map((e) => [e.data.subscriberId, e.data.reason])
        .sort(),
    ).toEqual(
      [
        [bob.id, 'unsubscribed'],
        [gone.id, 'gone'],
      ].sort(),
    );
    expect(receiver.ofType('delivery.failed')[0]!.data).toMatchObject({
      subscriberId: gone.id,
      campaignId: campaign.id,
      messageId: 'm1',
    });
    expect(receiver.ofType('receipt.clicked')[0]!.data).toMatchObject({
      deliveryId: aliceDelivery.data.deliveryId,
      action: 'read',
    });
    const finished = receiver.ofType('notification.finished');
    expect(finished.map((e) => e.data.notificationId).sort()).toEqual(
      [first.notificationId, second.notificationId].sort(),
    );
    expect(
      finished.find((e) => e.data.notificationId === second.notificationId)!.data,
    ).toMatchObject({
      status: 'sent',
      counts: { capped: 2 },
    });
    // Per subscriber, in the order the facts happened.
    const aliceTypes = receiver.events
      .filter((e) => e.data.subscriberId === alice.id)
      .map((e) => e.type);
    // (Its second notification may be recorded capped before the first one's answer.)
    expect(aliceTypes[0]).toBe('subscriber.created');
    expect(aliceTypes.indexOf('delivery.sent')).toBeLessThan(
      aliceTypes.indexOf('delivery.delivered'),
    );
    expect(aliceTypes.indexOf('delivery.delivered')).toBeLessThan(
      aliceTypes.indexOf('receipt.shown'),
    );
    expect(aliceTypes.indexOf('receipt.shown')).toBeLessThan(aliceTypes.indexOf('receipt.closed'));

    // The delivery log shows the attempts the 500s cost.
    const log = await api<{
      data: Array<{ status: string; attempts: number; lastStatus: number }>;
    }>(`/v1/webhooks/${webhookId}/deliveries?limit=200`);
    expect(log.data.every((m) => m.status === 'sent' && m.lastStatus === 204)).toBe(true);
    expect(log.data.some((m) => m.attempts > 1)).toBe(true);
  });

  it('sends nothing to a disabled webhook, and resumes when it is enabled again', async () => {
    const disabled = await api<{ enabled: boolean }>(
      `/v1/webhooks/${webhookId}`,
      { enabled: false },
      'PATCH',
    );
    expect(disabled.enabled).toBe(false);
    const before = receiver.requests;
    await subscribe();
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.requests).toBe(before);
    await api(`/v1/webhooks/${webhookId}`, { enabled: true }, 'PATCH');
    await subscribe();
    await eventually(async () => receiver.ofType('subscriber.created').length === 4, {
      what: 'the event after enabling',
    });
    // What happened while it was off was never written for it.
    expect(receiver.ofType('subscriber.created')).toHaveLength(4);
  });

  it('disables a webhook that keeps failing for 3 days, with a notice', async () => {
    receiver.failNext(1_000_000);
    await subscribe();
    await eventually(
      async () =>
        (await api<{ failingSince: string | null }>(`/v1/webhooks/${webhookId}`)).failingSince !==
        null,
      { what: 'the webhook to be failing' },
    );
    beckon.advanceClock(3 * 24 * 3_600_000 + 60_000);
    const off = await eventually(
      async () => {
        const w = await api<{ enabled: boolean; disabledReason: string | null }>(
          `/v1/webhooks/${webhookId}`,
        );
        return w.enabled ? undefined : w;
      },
      { what: 'the webhook to be disabled', timeoutMs: 10_000 },
    );
    expect(off.disabledReason).toMatch(/failing since/);
    const before = receiver.requests;
    await subscribe();
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.requests).toBe(before);
  });
});
