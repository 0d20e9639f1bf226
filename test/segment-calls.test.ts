import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

/** Users made by private ingestion, and Segment's screen, group and alias calls. */
describe.each(DIALECTS)('Segment calls and users on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;

  async function call<T>(path: string, body?: unknown, status = 200): Promise<T> {
    const res = await beckon.api(path, body === undefined ? {} : { body });
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as T;
  }

  const user = (id: string) =>
    beckon.api(`/v1/users/${encodeURIComponent(id)}`).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as {
        traits: Record<string, unknown>;
        subscribers: Array<{ id: string }>;
        audiences: Array<{ id: string }>;
      },
    }));

  const ingestion = async () =>
    (await call<{ ingestion: { received: number; dropped: number } }>('/v1/organization'))
      .ingestion;

  async function events(externalId: string) {
    return beckon.store.db.kysely
      .selectFrom('events')
      .select(['type', 'name', 'external_id'])
      .where('external_id', '=', externalId)
      .orderBy('received_at')
      .execute();
  }

  /** A browser linked to `userId` by the site's server (private identify with its anonymousId). */
  async function browserOf(userId: string) {
    const s = push.createSubscriber();
    const anonymousId = `anon-${userId}`;
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: { endpoint: s.endpoint, keys: s.keys }, anonymousId }),
    });
    const { subscriberId } = (await res.json()) as { subscriberId: string };
    await call('/v1/identify', { userId, anonymousId });
    return subscriberId;
  }

  const members = async (id: string) =>
    (await call<{ data: Array<{ externalId?: string }> }>(`/v1/audiences/${id}/members`)).data.map(
      (m) => m.externalId,
    );

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
  });

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  it('creates the user from a private track, so GET /v1/users/u-102 answers 200', async () => {
    expect((await user('u-102')).status).toBe(404);
    await call('/v1/track', { userId: 'u-102', event: 'Product Viewed' });
    const created = await user('u-102');
    expect(created.status).toBe(200);
    expect(created.body.traits).toEqual({});
    await call('/v1/identify', { userId: 'u-102', traits: { plan: 'pro' } });
    expect((await user('u-102')).body.traits).toEqual({ plan: 'pro' });

    // A batch naming two new users several times creates each once.
    await call('/v1/batch', {
      batch: [
        { type: 'page', userId: 'u-103', name: 'Home' },
        { type: 'track', userId: 'u-104', event: 'A' },
        { type: 'track', userId: 'u-103', event: 'B' },
      ],
    });
    expect((await user('u-103')).status).toBe(200);
    expect((await user('u-104')).status).toBe(200);
  });

  it('does not create a user from the public pixel', async () => {
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
      body: JSON.stringify({ type: 'track', event: 'Viewed', externalId: 'pixel-only' }),
    });
    expect(res.status).toBeLessThan(300);
    expect((await user('pixel-only')).status).toBe(404);
  });

  it('records screen like page, alone and inside a batch, and counts every call', async () => {
    const before = await ingestion();
    const single = await call<{ recorded: number }>('/v1/screen', {
      userId: 'sam',
      name: 'Checkout',
      properties: { step: 2 },
      context: { app: { name: 'Shop', version: '3.1' }, device: { type: 'ios' } },
      integrations: { All: true },
      sentAt: '2026-11-23T07:30:00.000Z',
    });
    expect(single.recorded).toBe(1);
    const batch = await call<{ recorded: number; dropped: number }>('/v1/batch', {
      batch: [
        { type: 'screen', userId: 'sam', name: 'Cart' },
        { type: 'group', userId: 'sam', groupId: 'acme', traits: { plan: 'team' } },
        { type: 'alias', userId: 'sam', previousId: 'sam-old' },
        { type: 'screen', anonymousId: 'only-anon', name: 'Cart' },
      ],
      context: { library: { name: 'analytics-ios', version: '4.1.0' } },
    });
    expect(batch).toMatchObject({ recorded: 3, dropped: 1 });
    expect(await events('sam')).toEqual([
      { type: 'page', name: 'Checkout', external_id: 'sam' },
      { type: 'page', name: 'Cart', external_id: 'sam' },
    ]);
    const after = await ingestion();
    expect(after.received - before.received).toBe(5);
    expect(after.dropped - before.dropped).toBe(1);
  });

  it("stores group as the user's group trait, alone and inside a batch", async () => {
    await call('/v1/identify', { userId: 'gia', traits: { plan: 'pro' } });
    await call('/v1/group', {
      userId: 'gia',
      groupId: 'g-1',
      traits: { name: 'Initech', employees: 12 },
      context: { ip: '203.0.113.7' },
    });
    expect((await user('gia')).body.traits).toEqual({
      plan: 'pro',
      group: { groupId: 'g-1', traits: { name: 'Initech', employees: 12 } },
    });
    await call('/v1/batch', { batch: [{ type: 'group', userId: 'gia', groupId: 42 }] });
    expect((await user('gia')).body.traits.group).toEqual({ groupId: '42', traits: {} });
  });

  it("moves subscribers, events, traits and memberships on alias, the new user's traits winning", async () => {
    const club = (await call<{ id: string }>('/v1/audiences', { name: 'Club' }, 201)).id;
    const both = (await call<{ id: string }>('/v1/audiences', { name: 'Both' }, 201)).id;
    const repeat = (
      await call<{ id: string }>(
        '/v1/audiences',
        { name: 'Twice', rule: { event: { name: 'Bought', count: { gte: 2 } } } },
        201,
      )
    ).id;
    const subscriberId = await browserOf('guest-9');
    await call('/v1/identify', {
      userId: 'guest-9',
      traits: { plan: 'free', size: 'M', club: true, both: true },
    });
    await call('/v1/track', { userId: 'guest-9', event: 'Bought' });
    await call('/v1/identify', { userId: 'ria', traits: { plan: 'pro', both: true } });
    await call('/v1/track', { userId: 'ria', event: 'Bought' });
    expect(await members(repeat)).toEqual([]);

    await call('/v1/alias', { previousId: 'guest-9', userId: 'ria' });

    expect((await user('guest-9')).status).toBe(404);
    const ria = (await user('ria')).body;
    expect(ria.traits).toMatchObject({ plan: 'pro', size: 'M' });
    expect(ria.subscribers.map((s) => s.id)).toEqual([subscriberId]);
    expect((await events('guest-9')).length).toBe(0);
    expect((await events('ria')).filter((e) => e.name === 'Bought')).toHaveLength(2);
    expect(await members(club)).toEqual(['ria']);
    expect(await members(both)).toEqual(['ria']);
    expect(await members(repeat)).toEqual(['ria']);
    expect(ria.audiences.map((a) => a.id).sort()).toEqual([both, club, repeat].sort());
  });

  it('changes nothing when a user is aliased to itself or another workspace has the id', async () => {
    await call('/v1/identify', { userId: 'selfie', traits: { plan: 'pro' } });
    await call('/v1/alias', { previousId: 'selfie', userId: 'selfie' });
    expect((await user('selfie')).body.traits).toEqual({ plan: 'pro' });

    const other = await initWorkspace(beckon.store, { name: 'Other' }, Date.now());
    const theirs = await fetch(`${beckon.url}/v1/identify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'twin', traits: { secret: 's3' } }),
    });
    expect(theirs.status).toBe(200);
    await call('/v1/alias', { previousId: 'twin', userId: 'thief' });
    expect((await user('thief')).body.traits).toEqual({});
    const kept = await fetch(`${beckon.url}/v1/users/twin`, {
      headers: { authorization: `Bearer ${other.apiKey}` },
    });
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as { traits: unknown }).traits).toEqual({ secret: 's3' });
  });

  it('refuses an alias without previousId or a group without groupId, changing nothing', async () => {
    const before = await ingestion();
    const noPrevious = await beckon.api('/v1/alias', { body: { userId: 'a' } });
    expect(noPrevious.status).toBe(400);
    expect(noPrevious.headers.get('content-type')).toContain('application/problem+json');
    const badBatch = await beckon.api('/v1/batch', {
      body: {
        batch: [
          { type: 'track', userId: 'never-made', event: 'A' },
          { type: 'group', userId: 'never-made' },
        ],
      },
    });
    expect(badBatch.status).toBe(400);
    expect((await user('never-made')).status).toBe(404);
    expect((await ingestion()).received).toBe(before.received);
  });

  it('answers 401 on screen, group and alias without the write key, and takes it as Basic', async () => {
    for (const path of ['/v1/screen', '/v1/group', '/v1/alias']) {
      const res = await fetch(beckon.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'x', groupId: 'g', previousId: 'p', name: 'n' }),
      });
      expect(res.status).toBe(401);
    }
    const basic = await fetch(`${beckon.url}/v1/group`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${beckon.apiKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ userId: 'basic-user', groupId: 'g-9' }),
    });
    expect(basic.status).toBe(200);
    expect((await user('basic-user')).body.traits).toEqual({
      group: { groupId: 'g-9', traits: {} },
    });
  });
});
