import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
  pushed,
} from './support/push-service/index.ts';

/**
 * Audience Entered / Exited for every real manual membership change — the members API and
 * Segment Engage-style identify traits, not only trigger steps — and the chains they start.
 */
describe.each(DIALECTS)('audience events on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;
  let tag = 0;

  const post = async <T>(path: string, body: unknown, status = 201): Promise<T> => {
    const res = await beckon.api(path, { body });
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as T;
  };

  /** A browser subscribes anonymously; the site's server then identifies it (ID sync). */
  async function user(name: string): Promise<VirtualSubscriber> {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        anonymousId: `anon-${name}`,
      }),
    });
    expect(res.status).toBe(201);
    await post('/v1/identify', { userId: name, anonymousId: `anon-${name}` }, 200);
    return subscriber;
  }

  /** Audience Entered / Exited events recorded for this audience, as `name:who`. */
  async function audienceEvents(audienceId: string): Promise<string[]> {
    const rows = await beckon.store.db.kysely
      .selectFrom('events')
      .select(['name', 'external_id', 'subscriber_id', 'properties'])
      .where('name', 'in', ['Audience Entered', 'Audience Exited'])
      .execute();
    return rows
      .filter((r) => JSON.parse(r.properties).audienceId === audienceId)
      .map((r) => `${r.name}:${r.external_id ?? r.subscriber_id}`)
      .sort();
  }

  async function waitForJob(jobId: string) {
    return eventually(async () => {
      const job = (await (await beckon.api(`/v1/jobs/${jobId}`)).json()) as { status: string };
      return job.status === 'succeeded' ? job : undefined;
    });
  }

  /** A trigger on Audience Entered for this audience that sends the campaign. */
  async function welcomeTrigger(audienceId: string) {
    return post<{ id: string }>('/v1/triggers', {
      name: `Welcome ${tag}`,
      on: { event: 'Audience Entered', where: { audienceId } },
      steps: [{ send: { campaignId } }],
    });
  }

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
    campaignId = (
      await post<{ id: string }>('/v1/campaigns', {
        name: 'Welcome',
        messages: [{ title: 'Welcome to {{properties.audienceName}}', body: 'Glad to see you' }],
      })
    ).id;
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('starts a chain from members added through the members API, once per real change', async () => {
    const club = (await post<{ id: string }>('/v1/audiences', { name: `Club ${++tag}` })).id;
    await welcomeTrigger(club);
    const ann = await user(`ann-${tag}`);
    const bare = push.createSubscriber();
    const bareRes = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: { endpoint: bare.endpoint, keys: bare.keys } }),
    });
    const { subscriberId } = (await bareRes.json()) as { subscriberId: string };

    const first = await post<{ jobId: string }>(
      `/v1/audiences/${club}/members`,
      { add: { externalIds: [`ann-${tag}`, `nobody-${tag}`], subscriberIds: [subscriberId] } },
      202,
    );
    await waitForJob(first.jobId);
    const messages = await push.waitForMessages(2);
    expect(messages.map((m) => m.endpoint).sort()).toEqual([ann.endpoint, bare.endpoint].sort());
    expect(pushed(messages[0]!.payload).title).toBe(`Welcome to Club ${tag}`);
    expect(await audienceEvents(club)).toEqual(
      [
        `Audience Entered:ann-${tag}`,
        `Audience Entered:nobody-${tag}`,
        `Audience Entered:${subscriberId}`,
      ].sort(),
    );

    // Adding an existing member changes nothing, so it emits nothing and sends nothing.
    const again = await post<{ jobId: string }>(
      `/v1/audiences/${club}/members`,
      { add: [`ann-${tag}`] },
      202,
    );
    await waitForJob(again.jobId);
    const removal = await post<{ jobId: string }>(
      `/v1/audiences/${club}/members`,
      { remove: [`ann-${tag}`, `never-a-member-${tag}`] },
      202,
    );
    await waitForJob(removal.jobId);
    expect(await audienceEvents(club)).toEqual(
      [
        `Audience Entered:ann-${tag}`,
        `Audience Entered:nobody-${tag}`,
        `Audience Entered:${subscriberId}`,
        `Audience Exited:ann-${tag}`,
      ].sort(),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(push.messages).toHaveLength(2);
  });

  it('starts a chain from a Segment identify with an Engage audience trait', async () => {
    const vip = (await post<{ id: string }>('/v1/audiences', { name: `VIP Customers ${++tag}` }))
      .id;
    await welcomeTrigger(vip);
    const bo = await user(`bo-${tag}`);
    const trait = `vip_customers_${tag}`;
    await post('/v1/identify', { userId: `bo-${tag}`, traits: { [trait]: true } }, 200);
    const [message] = await push.waitForMessages(1);
    expect(message!.endpoint).toBe(bo.endpoint);
    expect(pushed(message!.payload).title).toBe(`Welcome to VIP Customers ${tag}`);

    // The same trait again is no change; false is an exit; inside a batch it counts too.
    await post('/v1/identify', { userId: `bo-${tag}`, traits: { [trait]: true } }, 200);
    await post(
      '/v1/batch',
      { batch: [{ type: 'identify', userId: `bo-${tag}`, traits: { [trait]: false } }] },
      200,
    );
    expect(await audienceEvents(vip)).toEqual([
      `Audience Entered:bo-${tag}`,
      `Audience Exited:bo-${tag}`,
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(push.messages).toHaveLength(1);
  });

  it('emits no audience event and starts no chain from a public (browser) identify', async () => {
    const vip = (await post<{ id: string }>('/v1/audiences', { name: `Gold ${++tag}` })).id;
    await welcomeTrigger(vip);
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
      body: JSON.stringify({
        type: 'identify',
        externalId: `mallory-${tag}`,
        traits: { [`gold_${tag}`]: true },
      }),
    });
    expect(res.status).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 300));
    expect(await audienceEvents(vip)).toEqual([]);
    expect(push.messages).toHaveLength(0);
  });
});
