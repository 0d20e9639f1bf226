import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
  pushed,
} from './support/push-service/index.ts';

const HOUR = 3_600_000;

/** Event-chain triggers with a controllable clock: waits of hours take no time here. */
describe.each(DIALECTS)('triggers on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;
  let tag = 0;

  const post = async <T>(path: string, body: unknown, status = 201): Promise<T> => {
    const res = await beckon.api(path, { body });
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as T;
  };

  async function user(name: string): Promise<VirtualSubscriber> {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        externalId: name,
        userHash: beckon.userHash(name),
      }),
    });
    expect(res.status).toBe(201);
    return subscriber;
  }

  const track = (userId: string, event: string, properties: Record<string, unknown> = {}) =>
    post(
      '/v1/track',
      { userId, event, properties, timestamp: new Date(Date.now() + skew).toISOString() },
      200,
    );

  let skew = 0;
  const advance = (ms: number) => {
    skew += ms;
    beckon.advanceClock(ms);
  };

  const trigger = (id: string) =>
    beckon.api(`/v1/triggers/${id}`).then((r) => r.json()) as Promise<{
      stats: Record<string, number>;
    }>;

  const members = async (audienceId: string) =>
    (
      (await (await beckon.api(`/v1/audiences/${audienceId}/members`)).json()) as {
        data: Array<{ externalId: string }>;
      }
    ).data.map((m) => m.externalId);

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
    campaignId = (
      await post<{ id: string }>('/v1/campaigns', {
        name: 'Cart',
        messages: [
          {
            id: 'nudge',
            title: '{{traits.first_name|Hey}}, your {{properties.product_name}} is waiting',
            body: 'Only {{properties.value}} €',
          },
        ],
      })
    ).id;
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('fires the abandoned-cart chain for a user who did not order, not for one who did', async () => {
    const abandoners = (
      await post<{ id: string }>('/v1/audiences', { name: `Cart abandoners ${++tag}` })
    ).id;
    const t = await post<{ id: string }>('/v1/triggers', {
      name: 'Abandoned cart',
      on: { event: `Cart Updated ${tag}`, where: { value: { gt: 10 } } },
      steps: [
        { wait: 'PT1H' },
        { unless: { event: `Order Completed ${tag}` } },
        { send: { campaignId, messageId: 'nudge' } },
        { addTo: abandoners },
      ],
    });
    const ada = await user(`ada-${tag}`);
    await user(`bob-${tag}`);
    await user(`cy-${tag}`);
    await post('/v1/identify', { userId: `ada-${tag}`, traits: { first_name: 'Ada' } }, 200);
    await track(`ada-${tag}`, `Cart Updated ${tag}`, { product_name: 'Blue hat', value: 42 });
    await track(`bob-${tag}`, `Cart Updated ${tag}`, { product_name: 'Red scarf', value: 30 });
    await track(`cy-${tag}`, `Cart Updated ${tag}`, { product_name: 'Pin', value: 5 }); // where does not match
    advance(10 * 60_000);
    await track(`bob-${tag}`, `Order Completed ${tag}`, { value: 30 });
    expect((await trigger(t.id)).stats).toMatchObject({ fired: 2, waiting: 2, sent: 0 });

    advance(HOUR);
    const [message] = await push.waitForMessages(1);
    expect(message!.endpoint).toBe(ada.endpoint);
    expect(pushed(message!.payload)).toMatchObject({
      title: 'Ada, your Blue hat is waiting',
      body: 'Only 42 €',
    });
    const stats = await eventually(async () => {
      const s = (await trigger(t.id)).stats;
      // `sent` counts the push request once its outcome is recorded, after the run completed.
      return s.completed === 1 && s.cancelled === 1 && s.sent === 1 ? s : undefined;
    });
    expect(stats).toMatchObject({ fired: 2, waiting: 0, cancelled: 1, sent: 1, completed: 1 });
    expect(await members(abandoners)).toEqual([`ada-${tag}`]);
    await new Promise((r) => setTimeout(r, 300));
    expect(push.messages).toHaveLength(1);
  });

  it('moves users between audiences that another trigger watches', async () => {
    const x = (await post<{ id: string }>('/v1/audiences', { name: `Browsers ${++tag}` })).id;
    const y = (await post<{ id: string }>('/v1/audiences', { name: `Hot leads ${tag}` })).id;
    const first = await post<{ id: string }>('/v1/triggers', {
      name: 'Browsed shoes',
      on: { event: `Product Viewed ${tag}`, where: { category: 'shoes' } },
      steps: [{ addTo: x }],
    });
    const second = await post<{ id: string }>('/v1/triggers', {
      name: 'Promote browsers',
      on: { event: 'Audience Entered', where: { audienceId: x } },
      steps: [{ removeFrom: x }, { addTo: y }, { send: { campaignId } }],
    });
    const dee = await user(`dee-${tag}`);
    await user(`eve-${tag}`);
    await track(`dee-${tag}`, `Product Viewed ${tag}`, {
      category: 'shoes',
      product_name: 'Boots',
      value: 90,
    });
    await track(`eve-${tag}`, `Product Viewed ${tag}`, { category: 'hats' });
    const [message] = await push.waitForMessages(1);
    expect(message!.endpoint).toBe(dee.endpoint);
    expect(pushed(message!.payload).title).toBe('Hey, your  is waiting');
    await eventually(async () => (await members(y)).length === 1);
    expect(await members(y)).toEqual([`dee-${tag}`]);
    expect(await members(x)).toEqual([]);
    expect((await trigger(first.id)).stats).toMatchObject({ fired: 1, completed: 1 });
    const stats = await eventually(async () => {
      const s = (await trigger(second.id)).stats;
      return s.sent === 1 ? s : undefined;
    });
    expect(stats).toMatchObject({ fired: 1, completed: 1, sent: 1, capped: 0 });
  });

  it('refuses triggers that would feed each other forever', async () => {
    const x = (await post<{ id: string }>('/v1/audiences', { name: `Loop X ${++tag}` })).id;
    const y = (await post<{ id: string }>('/v1/audiences', { name: `Loop Y ${tag}` })).id;
    const self = await beckon.api('/v1/triggers', {
      body: {
        name: 'self',
        on: { event: 'Audience Entered', where: { audienceId: x } },
        steps: [{ addTo: x }],
      },
    });
    expect(self.status).toBe(400);
    expect(((await self.json()) as { detail: string }).detail).toMatch(/feed each other forever/);
    await post('/v1/triggers', {
      name: 'x to y',
      on: { event: 'Audience Entered', where: { audienceId: x } },
      steps: [{ addTo: y }],
    });
    const back = await beckon.api('/v1/triggers', {
      body: {
        name: 'y to x',
        on: { event: 'Audience Entered', where: { audienceId: y } },
        steps: [{ wait: 'PT1M' }, { addTo: x }],
      },
    });
    expect(back.status).toBe(400);
  });

  it('refuses bad steps with 400 naming the step', async () => {
    const bad = await beckon.api('/v1/triggers', {
      body: { name: 'bad', on: { event: 'A' }, steps: [{ wait: 'P1M' }] },
    });
    expect(bad.status).toBe(400);
    const missing = await beckon.api('/v1/triggers', {
      body: { name: 'bad', on: { event: 'A' }, steps: [{ send: { campaignId: 'cmp_nope' } }] },
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: Array<{ path: string }> }).errors[0]!.path).toBe(
      'steps.0.send.campaignId',
    );
  });

  it('lets a user in once when re-entry is once', async () => {
    const t = await post<{ id: string }>('/v1/triggers', {
      name: 'Welcome once',
      on: { event: `Signed Up ${++tag}` },
      steps: [{ send: { campaignId } }],
      reentry: { once: true },
    });
    await user(`fay-${tag}`);
    await track(`fay-${tag}`, `Signed Up ${tag}`, { product_name: 'account' });
    await push.waitForMessages(1);
    await track(`fay-${tag}`, `Signed Up ${tag}`, { product_name: 'account' });
    await new Promise((r) => setTimeout(r, 400));
    expect(push.messages).toHaveLength(1);
    expect((await trigger(t.id)).stats).toMatchObject({ fired: 1, sent: 1 });
  });
});
