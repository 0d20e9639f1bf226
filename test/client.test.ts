import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBeckonClient } from '../packages/client/src/index.ts';
import { DIALECTS } from './support/databases.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import {
  createLocalPushService,
  pushed,
  type LocalPushService,
} from './support/push-service/index.ts';

/**
 * `@beckon/client` as a backend uses it (README "Send from your backend"): typed calls over
 * real HTTP to a real server, delivered to the local push service.
 */
/**
 * Reads one field of an answer. Routes still documented by hand have untyped answers; this
 * keeps the test compiling as they gain response schemas.
 */
const field = (data: unknown, key: string): unknown => (data as Record<string, unknown>)[key];

describe.each(DIALECTS)('@beckon/client on %s', (dialect) => {
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

  async function subscribe(externalId: string) {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        externalId,
        userHash: beckon.userHash(externalId),
      }),
    });
    expect(res.status).toBe(201);
  }

  it('creates a campaign and sends it to a user; the push service receives it once even though the first answer was lost', async () => {
    await subscribe('user-42');
    let sends = 0;
    const beckonClient = createBeckonClient({
      baseUrl: beckon.url,
      apiKey: beckon.apiKey,
      retry: { baseDelayMs: 10 },
      // The first send reaches the server, but its answer is lost on the way back: the
      // client must retry with the same Idempotency-Key and the server queue it once.
      fetch: async (request) => {
        const isSend = new URL(request.url).pathname === '/v1/notifications';
        const response = await fetch(request);
        if (isSend && request.method === 'POST' && sends++ === 0) {
          await response.body?.cancel();
          throw new TypeError('fetch failed: connection reset');
        }
        return response;
      },
    });

    const campaign = await beckonClient.POST('/v1/campaigns', {
      body: {
        name: 'Shipping',
        messages: [{ id: 'm1', title: 'Your order shipped', body: 'Track it', url: '/orders' }],
      },
    });
    expect(campaign.response.status).toBe(201);
    const campaignId = String(field(campaign.data, 'id'));

    const sent = await beckonClient.POST('/v1/notifications', {
      body: { campaignId, target: { externalIds: ['user-42'] }, ttl: 3600 },
    });
    expect(sends).toBe(2);
    expect(sent.response.status).toBe(202);
    const notificationId = String(field(sent.data, 'notificationId'));

    const [message] = await push.waitForMessages(1);
    expect(pushed(message!.payload)).toMatchObject({ title: 'Your order shipped' });
    const done = await eventually(
      async () => {
        const { data } = await beckonClient.GET('/v1/notifications/{id}', {
          params: { path: { id: notificationId } },
        });
        return field(data, 'status') === 'sent' ? data : undefined;
      },
      { what: 'the notification to be sent' },
    );
    expect(field(done, 'counts')).toMatchObject({ targeted: 1, sent: 1, delivered: 1 });
    expect(push.messages).toHaveLength(1);
  });

  it('hands back a problem as a typed error, without retrying a 4xx', async () => {
    const beckonClient = createBeckonClient({ baseUrl: beckon.url, apiKey: 'bk_wrong' });
    const { data, error, response } = await beckonClient.GET('/v1/sites');
    expect(response.status).toBe(401);
    expect(data).toBeUndefined();
    expect(error).toMatchObject({ status: 401, title: 'Unauthorized' });
  });
});
