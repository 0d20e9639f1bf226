import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
  pushed,
} from './support/push-service/index.ts';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Audiences and targeting, end to end through the API and a push service that decrypts:
 * each rule type, include/exclude, a user on two sites, evergreen campaigns, large imports.
 */
describe.each(DIALECTS)('audiences on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;
  let secondSite: { id: string; siteKey: string; vapidPublicKey: string };
  const subs: Record<string, { subscriber: VirtualSubscriber; id: string }> = {};

  async function json<T>(res: Promise<Response> | Response): Promise<T> {
    const r = await res;
    return (await r.json()) as T;
  }

  async function subscribe(siteKey: string, name: string, extra: Record<string, unknown> = {}) {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        ...extra,
        // Sites require identity verification: an externalId travels with its hash.
        ...(typeof extra.externalId === 'string' && {
          userHash: await beckon.userHashOn(siteKey, extra.externalId),
        }),
      }),
    });
    expect(res.status).toBe(201);
    subs[name] = { subscriber, id: ((await res.json()) as { subscriberId: string }).subscriberId };
    return subs[name]!;
  }

  async function track(
    userId: string,
    event: string,
    properties: Record<string, unknown>,
    at = Date.now(),
  ) {
    const res = await beckon.api('/v1/track', {
      body: { userId, event, properties, timestamp: iso(at) },
    });
    expect(res.status).toBe(200);
  }

  async function audience(name: string, rule?: unknown): Promise<string> {
    const res = await beckon.api('/v1/audiences', {
      body: { name, ...(rule !== undefined && { rule }) },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function members(id: string): Promise<string[]> {
    const page = await json<{ data: Array<{ externalId?: string; subscriberId?: string }> }>(
      beckon.api(`/v1/audiences/${id}/members?limit=500`),
    );
    return page.data.map((m) => m.externalId ?? `sub:${m.subscriberId}`).sort();
  }

  async function sendAndCollect(target: unknown): Promise<string[]> {
    push.reset();
    const res = await beckon.api('/v1/notifications', { body: { campaignId, target } });
    expect(res.status).toBe(202);
    const { notificationId } = (await res.json()) as { notificationId: string };
    await eventually(
      async () =>
        (await json<{ status: string }>(beckon.api(`/v1/notifications/${notificationId}`)))
          .status === 'sent',
      {
        what: 'the send to finish',
      },
    );
    const byEndpoint = new Map(
      Object.entries(subs).map(([name, s]) => [s.subscriber.endpoint, name]),
    );
    return push.messages.map((m) => byEndpoint.get(m.endpoint) ?? m.endpoint).sort();
  }

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({
      dialect,
      pushOrigins: [push.origin],
      categories: [
        { id: 'deals', label: 'Deals' },
        { id: 'news', label: 'News' },
      ],
    });
    campaignId = (
      await json<{ id: string }>(
        beckon.api('/v1/campaigns', {
          body: { name: 'C', messages: [{ title: 'Hi', body: 'there' }] },
        }),
      )
    ).id;
    secondSite = await json(
      beckon.api('/v1/sites', { body: { name: 'Blog', origins: ['https://blog.example'] } }),
    );

    // alice: pro, deals, two orders; bob: free, news, one small order; carol: anonymous, deals;
    // dave: old order only; alice also subscribes on the second site.
    await subscribe(beckon.siteKey, 'alice', { externalId: 'alice', categories: ['deals'] });
    await subscribe(secondSite.siteKey, 'alice-blog', { externalId: 'alice' });
    await subscribe(beckon.siteKey, 'bob', { externalId: 'bob', categories: ['news'] });
    await subscribe(beckon.siteKey, 'carol', { categories: ['deals'] });
    await subscribe(beckon.siteKey, 'dave', { externalId: 'dave' });
    await beckon.api('/v1/identify', {
      body: { userId: 'alice', traits: { plan: 'pro', ltv: 300 } },
    });
    await beckon.api('/v1/identify', {
      body: { userId: 'bob', traits: { plan: 'free', ltv: 10 } },
    });
    await track('alice', 'Order Completed', { value: 80, tags: ['shoes', 'sale'] });
    await track('alice', 'Order Completed', { value: 120, tags: ['hats'] });
    await track('bob', 'Order Completed', { value: 20 });
    await track('dave', 'Order Completed', { value: 90 }, Date.now() - 40 * DAY);
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('computes event rules with where, within and count', async () => {
    const big = await audience('Big orders', {
      event: { name: 'Order Completed', where: { value: { gte: 50 } }, within: 'P30D' },
    });
    expect(await members(big)).toEqual(['alice']);
    const ever = await audience('Ever ordered big', {
      event: { name: 'Order Completed', where: { value: { gte: 50 } } },
    });
    expect(await members(ever)).toEqual(['alice', 'dave']);
    const repeat = await audience('Repeat buyers', {
      event: { name: 'Order Completed', count: { gte: 2 } },
    });
    expect(await members(repeat)).toEqual(['alice']);
    const never = await audience('Never ordered', {
      event: { name: 'Order Completed', count: { eq: 0 } },
    });
    expect(await members(never)).toEqual([`sub:${subs.carol!.id}`]);
    const tagged = await audience('Sale shoppers', {
      event: { name: 'Order Completed', where: { tags: { contains: 'sale' } } },
    });
    expect(await members(tagged)).toEqual(['alice']);
  });

  it('reflects a new event at once', async () => {
    const id = await audience('Wishlisters', { event: { name: 'Wishlist Added' } });
    expect(await members(id)).toEqual([]);
    await track('bob', 'Wishlist Added', { product_name: 'Hat' });
    expect(await members(id)).toEqual(['bob']);
  });

  it('computes trait, category, site and subscription-date rules, nested and combined', async () => {
    const pro = await audience('Pro', { trait: { plan: 'pro' } });
    expect(await members(pro)).toEqual(['alice']);
    const rich = await audience('Valuable', { trait: { ltv: { gt: 100 } } });
    expect(await members(rich)).toEqual(['alice']);
    const deals = await audience('Deal seekers', { category: 'deals' });
    expect(await members(deals)).toEqual(['alice', `sub:${subs.carol!.id}`]);
    const blog = await audience('Blog readers', { site: secondSite.id });
    expect(await members(blog)).toEqual(['alice']);
    const recent = await audience('Recent', { subscribedBetween: { from: iso(Date.now() - DAY) } });
    // Five subscribers, four members: alice's two devices are one user.
    expect(await members(recent)).toEqual(['alice', 'bob', `sub:${subs.carol!.id}`, 'dave'].sort());
    const none = await audience('Future', { subscribedBetween: { from: iso(Date.now() + DAY) } });
    expect(await members(none)).toEqual([]);
    const nested = await audience('Deal seekers who are not pro', {
      all: [{ inAudience: deals }, { not: { inAudience: pro } }],
    });
    expect(await members(nested)).toEqual([`sub:${subs.carol!.id}`]);
    const either = await audience('Pro or news', {
      any: [{ inAudience: pro }, { category: 'news' }],
    });
    expect(await members(either)).toEqual(['alice', 'bob']);
    const size = await json<{ size: { users: number; subscribers: number } }>(
      beckon.api(`/v1/audiences/${either}`),
    );
    expect(size.size).toEqual({ users: 2, subscribers: 3 });
  });

  it('refuses bad rules and cycles with 400', async () => {
    const bad = await beckon.api('/v1/audiences', {
      body: { name: 'x', rule: { event: { name: 'A', within: 'P1M' } } },
    });
    expect(bad.status).toBe(400);
    const op = await beckon.api('/v1/audiences', {
      body: { name: 'x', rule: { trait: { plan: { like: 'p%' } } } },
    });
    expect(op.status).toBe(400);
    const a = await audience('A', { category: 'deals' });
    const b = await audience('B', { inAudience: a });
    const cycle = await beckon.api(`/v1/audiences/${a}`, {
      method: 'PATCH',
      body: { rule: { inAudience: b } },
    });
    expect(cycle.status).toBe(400);
    expect(((await cycle.json()) as { detail: string }).detail).toMatch(/contain itself/);
    const missing = await beckon.api('/v1/audiences', {
      body: { name: 'x', rule: { inAudience: 'aud_nope' } },
    });
    expect(missing.status).toBe(400);
  });

  it('targets with audiences include and exclude, categories and sites, combined with AND', async () => {
    const deals = await audience('T deals', { category: 'deals' });
    const pro = await audience('T pro', { trait: { plan: 'pro' } });
    expect(await sendAndCollect({ audiences: { include: [deals] } })).toEqual(['alice', 'carol']);
    expect(await sendAndCollect({ audiences: { include: [deals], exclude: [pro] } })).toEqual([
      'carol',
    ]);
    expect(await sendAndCollect({ audiences: { include: [pro] } })).toEqual([
      'alice',
      'alice-blog',
    ]);
    expect(
      await sendAndCollect({ audiences: { include: [pro] }, siteIds: [secondSite.id] }),
    ).toEqual(['alice-blog']);
    expect(await sendAndCollect({ categories: ['news'], externalIds: ['bob', 'alice'] })).toEqual([
      'bob',
    ]);
    const foreign = await beckon.api('/v1/notifications', {
      body: { campaignId, target: { audiences: { include: ['aud_nope'] } } },
    });
    expect(foreign.status).toBe(404);
  });

  it('reaches a user on two sites, each push signed with its own site key', async () => {
    expect(await sendAndCollect({ externalIds: ['alice'] })).toEqual(['alice', 'alice-blog']);
    const keyOf = new Map(push.messages.map((m) => [m.endpoint, m.vapid.publicKey]));
    expect(keyOf.get(subs.alice!.subscriber.endpoint)).toBe(beckon.vapidPublicKey);
    expect(keyOf.get(subs['alice-blog']!.subscriber.endpoint)).toBe(secondSite.vapidPublicKey);
  });

  it('manages manual members by externalId and subscriberId, keeping users without subscribers', async () => {
    const vip = await audience('Manual VIPs');
    const res = await beckon.api(`/v1/audiences/${vip}/members`, {
      body: {
        add: ['bob', 'not-yet-a-subscriber'],
        subscriberIds: [subs.carol!.id, 'sub_foreign'],
      },
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = await eventually(async () => {
      const j = await json<{ status: string; result?: unknown }>(beckon.api(`/v1/jobs/${jobId}`));
      return j.status === 'succeeded' ? j : undefined;
    });
    expect(job.result).toEqual({ added: 3, removed: 0, skipped: 1 });
    expect(await members(vip)).toEqual(
      ['bob', 'not-yet-a-subscriber', `sub:${subs.carol!.id}`].sort(),
    );
    expect(await sendAndCollect({ audiences: { include: [vip] } })).toEqual(['bob', 'carol']);
    await beckon.api(`/v1/audiences/${vip}/members`, { body: { remove: ['bob'] } });
    await eventually(async () => !(await members(vip)).includes('bob'), {
      what: 'bob to be removed',
    });
  });

  it('gives every new member of an evergreen campaign its message once', async () => {
    const list = await audience('Welcome list');
    await beckon.api(`/v1/audiences/${list}/members`, { body: { add: ['dave'] } });
    await eventually(async () => (await members(list)).includes('dave'), {
      what: 'dave to be a member',
    });
    const created = await beckon.api('/v1/campaigns', {
      body: {
        name: 'Welcome',
        messages: [{ id: 'w', title: 'Welcome!', body: 'Glad you are here' }],
        evergreen: { audienceId: list },
      },
    });
    expect(created.status).toBe(201);
    expect(((await created.clone().json()) as { evergreen: unknown }).evergreen).toEqual({
      audienceId: list,
      messageId: 'w',
    });
    push.reset();
    await beckon.api(`/v1/audiences/${list}/members`, { body: { add: ['bob'] } });
    const [message] = await push.waitForMessages(1);
    expect(message!.endpoint).toBe(subs.bob!.subscriber.endpoint);
    expect(pushed(message!.payload).title).toBe('Welcome!');
    // Re-adding and waiting a sweep sends nothing more; dave (a member before) got nothing.
    await beckon.api(`/v1/audiences/${list}/members`, { body: { add: ['bob'], remove: [] } });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(push.messages.filter((m) => pushed(m.payload).title === 'Welcome!')).toHaveLength(1);
  });

  it('imports 100,000 members as a job with progress', async () => {
    const big = await audience('Imported');
    const ids = Array.from({ length: 100_000 }, (_, i) => `imported-${i}`);
    const res = await beckon.api(`/v1/audiences/${big}/members`, { body: { add: ids } });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const job = await eventually(
      async () => {
        const j = await json<{ status: string; progress: { done: number; total: number } }>(
          beckon.api(`/v1/jobs/${jobId}`),
        );
        return j.status === 'succeeded' ? j : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: 'the import' },
    );
    expect(job.progress).toEqual({ done: 100_000, total: 100_000 });
    const size = await json<{ size: { users: number } }>(beckon.api(`/v1/audiences/${big}`));
    expect(size.size.users).toBe(100_000);
  });
});
