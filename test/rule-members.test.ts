import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

type Size = { users: number; subscribers: number };

/**
 * A rule audience's members are the users who satisfy it — with or without a subscriber —
 * plus the bare subscribers who do; `size` counts member users and reachable browsers.
 */
describe.each(DIALECTS)('rule audience members on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;
  let tag = 0;

  async function call<T>(path: string, body?: unknown, status = 200): Promise<T> {
    const res = await beckon.api(path, body === undefined ? {} : { body });
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as T;
  }

  async function subscribe(extra: Record<string, unknown> = {}) {
    const subscriber = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
        ...extra,
      }),
    });
    expect(res.status).toBe(201);
    const { subscriberId } = (await res.json()) as { subscriberId: string };
    return { endpoint: subscriber.endpoint, id: subscriberId };
  }

  /** A browser of `userId`, linked by the site's server (private identify with its anonymousId). */
  async function browserOf(userId: string, extra: Record<string, unknown> = {}) {
    const anonymousId = `anon-${userId}-${Math.random().toString(36).slice(2)}`;
    const browser = await subscribe({ anonymousId, ...extra });
    await call('/v1/identify', { userId, anonymousId });
    return browser;
  }

  const orders = (userId: string, n: number) =>
    call('/v1/batch', {
      batch: Array.from({ length: n }, () => ({
        type: 'track',
        userId,
        event: `Order Completed ${tag}`,
        properties: { value: 10 },
      })),
    });

  const audience = async (name: string, rule: unknown) =>
    (await call<{ id: string }>('/v1/audiences', { name, rule }, 201)).id;

  async function members(id: string): Promise<string[]> {
    const page = await call<{ data: Array<{ externalId?: string; subscriberId?: string }> }>(
      `/v1/audiences/${id}/members?limit=100`,
    );
    return page.data.map((m) => m.externalId ?? `sub:${m.subscriberId}`).sort();
  }

  const size = async (id: string) => (await call<{ size: Size }>(`/v1/audiences/${id}`)).size;

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({
      dialect,
      pushOrigins: [push.origin],
      categories: [{ id: 'deals', label: 'Deals' }],
    });
    campaignId = (
      await call<{ id: string }>(
        '/v1/campaigns',
        { name: 'C', messages: [{ title: 'Hi', body: 'there' }] },
        201,
      )
    ).id;
  });

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('lists a user with two orders and no subscriber as a member, sized one user and no browser', async () => {
    tag++;
    await call('/v1/identify', { userId: `una-${tag}`, traits: { plan: 'pro' } });
    await orders(`una-${tag}`, 2);
    await orders(`ivo-${tag}`, 1);
    const repeat = await audience(`Repeat buyers ${tag}`, {
      event: { name: `Order Completed ${tag}`, count: { gte: 2 } },
    });
    expect(await members(repeat)).toEqual([`una-${tag}`]);
    expect(await size(repeat)).toEqual({ users: 1, subscribers: 0 });

    // Once she subscribes, the same user is reached through her browser.
    await browserOf(`una-${tag}`);
    expect(await members(repeat)).toEqual([`una-${tag}`]);
    expect(await size(repeat)).toEqual({ users: 1, subscribers: 1 });
  });

  it('reaches the subscribers of member users and member bare subscribers, and sizes them', async () => {
    tag++;
    await orders(`olga-${tag}`, 2);
    const olga1 = await browserOf(`olga-${tag}`);
    const olga2 = await browserOf(`olga-${tag}`);
    await orders(`nora-${tag}`, 2);
    await orders(`pete-${tag}`, 1);
    await browserOf(`pete-${tag}`);
    const deb = await subscribe({ categories: ['deals'] });
    const rule = {
      all: [
        {
          any: [
            { event: { name: `Order Completed ${tag}`, count: { gte: 2 } } },
            { category: 'deals' },
          ],
        },
        { not: { trait: { vip: true } } },
      ],
    };
    const id = await audience(`Buyers or deal hunters ${tag}`, rule);
    // Bare subscribers of earlier tests tick deals too: compare only this test's people.
    const mine = (await members(id)).filter((m) => m.endsWith(`-${tag}`) || m === `sub:${deb.id}`);
    expect(mine).toEqual([`nora-${tag}`, `olga-${tag}`, `sub:${deb.id}`].sort());

    push.reset();
    const { notificationId } = await call<{ notificationId: string }>(
      '/v1/notifications',
      { campaignId, target: { audiences: { include: [id] } } },
      202,
    );
    await eventually(
      async () =>
        (await call<{ status: string }>(`/v1/notifications/${notificationId}`)).status === 'sent',
    );
    const reached = push.messages.map((m) => m.endpoint);
    expect(reached).toEqual(expect.arrayContaining([olga1.endpoint, olga2.endpoint, deb.endpoint]));
    expect((await size(id)).subscribers).toBe(reached.length);
    const all = await members(id);
    expect((await size(id)).users).toBe(all.filter((m) => !m.startsWith('sub:')).length);
  });

  it('does not make a user without subscribers a member through a browser-level condition', async () => {
    tag++;
    await orders(`zed-${tag}`, 2);
    const deals = await audience(`Deal buyers ${tag}`, {
      all: [{ category: 'deals' }, { event: { name: `Order Completed ${tag}` } }],
    });
    expect(await members(deals)).toEqual([]);
    await browserOf(`zed-${tag}`, { categories: ['deals'] });
    expect(await members(deals)).toEqual([`zed-${tag}`]);
  });

  it('nests user-level rules with inAudience for users without subscribers', async () => {
    tag++;
    await call('/v1/identify', { userId: `pia-${tag}`, traits: { plan: 'pro' } });
    await orders(`pia-${tag}`, 2);
    await call('/v1/identify', { userId: `max-${tag}`, traits: { plan: 'free' } });
    await orders(`max-${tag}`, 2);
    const repeat = await audience(`Repeat ${tag}`, {
      event: { name: `Order Completed ${tag}`, count: { gte: 2 } },
    });
    const vip = await audience(`Pro repeat ${tag}`, {
      all: [{ inAudience: repeat }, { trait: { plan: 'pro' } }],
    });
    expect(await members(repeat)).toEqual([`max-${tag}`, `pia-${tag}`]);
    expect(await members(vip)).toEqual([`pia-${tag}`]);
    const user = await call<{ audiences: Array<{ id: string }> }>(`/v1/users/pia-${tag}`);
    expect(user.audiences.map((a) => a.id).sort()).toEqual([repeat, vip].sort());
  });

  it('shows size in the audience list', async () => {
    tag++;
    await orders(`lou-${tag}`, 2);
    const id = await audience(`Listed ${tag}`, {
      event: { name: `Order Completed ${tag}`, count: { gte: 2 } },
    });
    const list = await call<{ data: Array<{ id: string; size: Size }> }>('/v1/audiences?limit=200');
    expect(list.data.find((a) => a.id === id)?.size).toEqual({ users: 1, subscribers: 0 });
  });

  it("previews a rule's size without storing an audience, and refuses a bad rule or a foreign audience", async () => {
    tag++;
    await orders(`kim-${tag}`, 3);
    const before = await call<{ data: unknown[] }>('/v1/audiences?limit=200');
    const rule = { event: { name: `Order Completed ${tag}`, count: { gte: 3 } } };
    expect(await call('/v1/audiences/preview', { rule })).toEqual({
      size: { users: 1, subscribers: 0 },
    });
    expect((await call<{ data: unknown[] }>('/v1/audiences?limit=200')).data).toHaveLength(
      before.data.length,
    );
    const bad = await beckon.api('/v1/audiences/preview', { body: { rule: { nope: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');

    // Another workspace's audience cannot be nested, nor its users counted.
    const other = await initWorkspace(beckon.store, { name: 'Other' }, Date.now());
    const otherApi = (path: string, body: unknown) =>
      fetch(beckon.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const foreign = (await (await otherApi('/v1/audiences', { name: 'Theirs', rule })).json()) as {
      id: string;
    };
    await otherApi('/v1/batch', {
      batch: [1, 2, 3].map(() => ({
        type: 'track',
        userId: `eve-${tag}`,
        event: `Order Completed ${tag}`,
      })),
    });
    const nested = await beckon.api('/v1/audiences/preview', {
      body: { rule: { inAudience: foreign.id } },
    });
    expect(nested.status).toBe(400);
    expect(await call('/v1/audiences/preview', { rule })).toEqual({
      size: { users: 1, subscribers: 0 },
    });
    const mine = await audience(`Mine ${tag}`, rule);
    expect(await members(mine)).toEqual([`kim-${tag}`]);
  });
});
