import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userHash } from '../packages/server/src/domain/user-hash.ts';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
} from './support/push-service/index.ts';

/**
 * Identity verification (API.md): the public site key is public, so a browser call naming an
 * `externalId` is believed only with the `userHash` the site's backend computed. These tests
 * play the attacker who has the site key and a victim's id, and show what they cannot do.
 */
describe.each(DIALECTS)('identity verification on %s', (dialect) => {
  const PAGE = 'https://shop.example';
  let push: LocalPushService;
  let beckon: TestBeckon;
  let campaignId: string;
  let tag = 0;

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin], origins: [PAGE] });
    const res = await beckon.api('/v1/campaigns', {
      body: { name: 'Hello', messages: [{ id: 'm1', title: 'Hello', body: 'there' }] },
    });
    campaignId = ((await res.json()) as { id: string }).id;
  });

  afterEach(() => push.reset());

  afterAll(async () => {
    await beckon.stop();
    await push.close();
  });

  const publicCall = (path: string, body: unknown, siteKey = beckon.siteKey) =>
    fetch(`${beckon.url}/v1/sites/${siteKey}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify(body),
    });

  const subscribe = (subscriber: VirtualSubscriber, extra: Record<string, unknown> = {}) =>
    publicCall('subscriptions', {
      subscription: { endpoint: subscriber.endpoint, keys: subscriber.keys },
      ...extra,
    });

  const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;

  const subscribersOf = async (externalId: string) =>
    (
      await json<{ data: Array<{ id: string; endpoint: string }> }>(
        beckon.api(`/v1/subscribers?externalId=${encodeURIComponent(externalId)}`),
      )
    ).data;

  const userOf = (externalId: string) =>
    json<{ traits: Record<string, unknown>; audiences: Array<{ name: string }> }>(
      beckon.api(`/v1/users/${encodeURIComponent(externalId)}`),
    );

  const subscriberCount = async () =>
    Number(
      (
        await beckon.store.db.kysely
          .selectFrom('subscribers')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('creates sites with verification required and shows the identity secret only on creation', async () => {
    expect(beckon.identitySecret).toMatch(/^bis_[A-Za-z0-9_-]{43}$/);
    const created = await beckon.api('/v1/sites', { body: { name: 'Blog', origins: [PAGE] } });
    expect(created.status).toBe(201);
    const site = (await created.json()) as Record<string, unknown>;
    expect(site).toMatchObject({ identityVerification: 'required' });
    expect(Buffer.from(String(site.identitySecret).slice(4), 'base64url').length).toBe(32);
    const shown = await (await beckon.api(`/v1/sites/${String(site.id)}`)).text();
    const listed = await (await beckon.api('/v1/sites')).text();
    const organization = await (await beckon.api('/v1/organization')).text();
    for (const text of [shown, listed, organization]) {
      expect(text).not.toContain(String(site.identitySecret));
      expect(text).not.toContain(beckon.identitySecret);
    }
    expect(JSON.parse(shown)).toMatchObject({ identityVerification: 'required' });
    expect(JSON.parse(shown)).not.toHaveProperty('identitySecret');
  });

  it('refuses a subscription naming a victim without a valid userHash (401), stores nothing, and the victim’s push never reaches the attacker', async () => {
    const victimId = `victim-${++tag}`;
    const victim = push.createSubscriber();
    const linked = await subscribe(victim, {
      externalId: victimId,
      userHash: beckon.userHash(victimId),
    });
    expect(linked.status).toBe(201);
    const before = await subscriberCount();

    const attacker = push.createSubscriber();
    for (const hash of [undefined, userHash('bis_guess', victimId), beckon.userHash('someone')]) {
      const res = await subscribe(attacker, { externalId: victimId, userHash: hash });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 401, errors: [{ path: 'userHash' }] });
    }
    expect(await subscriberCount()).toBe(before);
    expect((await subscribersOf(victimId)).map((s) => s.endpoint)).toEqual([victim.endpoint]);

    const sent = await beckon.api('/v1/notifications', {
      body: { campaignId, target: { externalIds: [victimId] } },
    });
    const { notificationId } = (await sent.json()) as { notificationId: string };
    const done = await eventually(
      async () => {
        const n = await json<{ status: string; counts: Record<string, number> }>(
          beckon.api(`/v1/notifications/${notificationId}`),
        );
        return n.status === 'sent' && n;
      },
      { what: 'the send to finish' },
    );
    expect(done.counts).toMatchObject({ targeted: 1, delivered: 1 });
    expect(push.messages.map((m) => m.endpoint)).toEqual([victim.endpoint]);
  });

  it('keeps an unverified pixel identify anonymous, counts it, and changes neither traits nor audience membership', async () => {
    const victimId = `vip-${++tag}`;
    const audience = await json<{ id: string }>(
      beckon.api('/v1/audiences', { body: { name: `suppression_list` } }),
    );
    await beckon.api(`/v1/users/${victimId}`, {
      method: 'PUT',
      body: { traits: { plan: 'gold' } },
    });
    const job = await json<{ jobId: string }>(
      beckon.api(`/v1/audiences/${audience.id}/members`, { body: { add: [victimId] } }),
    );
    await eventually(
      async () =>
        (await json<{ status: string }>(beckon.api(`/v1/jobs/${job.jobId}`))).status ===
        'succeeded',
      { what: 'the members job' },
    );
    expect((await userOf(victimId)).audiences.map((a) => a.name)).toEqual(['suppression_list']);

    const attack = await publicCall('events', [
      {
        type: 'identify',
        externalId: victimId,
        anonymousId: `anon-attacker-${tag}`,
        traits: { plan: 'free', suppression_list: false },
        messageId: `attack-${tag}`,
      },
    ]);
    expect(attack.status).toBe(202);
    expect(await attack.json()).toEqual({ accepted: 1, unverified: 1 });

    const after = await userOf(victimId);
    expect(after.traits).toEqual({ plan: 'gold' });
    expect(after.audiences.map((a) => a.name)).toEqual(['suppression_list']);
    const stored = await beckon.store.db.kysely
      .selectFrom('events')
      .select(['external_id', 'anonymous_id'])
      .where('message_id', '=', `attack-${tag}`)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ external_id: null, anonymous_id: `anon-attacker-${tag}` });

    // Verified, the browser may write traits, but membership traits stay private-API only.
    const verified = await publicCall('events', {
      type: 'identify',
      externalId: victimId,
      userHash: beckon.userHash(victimId),
      traits: { plan: 'free', suppression_list: false },
    });
    expect(await verified.json()).toEqual({ accepted: 1, unverified: 0 });
    const own = await userOf(victimId);
    expect(own.traits).toMatchObject({ plan: 'free' });
    expect(own.audiences.map((a) => a.name)).toEqual(['suppression_list']);
  });

  it('does not start the victim’s trigger from a pixel.gif track without a userHash', async () => {
    const victimId = `buyer-${++tag}`;
    const event = `Cart Updated ${tag}`;
    const trigger = await json<{ id: string }>(
      beckon.api('/v1/triggers', {
        body: {
          name: `Cart ${tag}`,
          on: { event },
          steps: [{ send: { campaignId, messageId: 'm1' } }],
        },
      }),
    );
    const runs = async () =>
      (
        await beckon.store.db.kysely
          .selectFrom('trigger_runs')
          .select('external_id')
          .where('trigger_id', '=', trigger.id)
          .execute()
      ).map((r) => r.external_id);
    const gif = (query: Record<string, string>) =>
      fetch(
        `${beckon.url}/v1/sites/${beckon.siteKey}/pixel.gif?${new URLSearchParams({ type: 'track', event, ...query })}`,
      );

    // No Origin header: an <img> on any page, or curl.
    const anonymous = await gif({ externalId: victimId });
    expect(anonymous.status).toBe(200);
    const wrong = await gif({ externalId: victimId, userHash: userHash('bis_guess', victimId) });
    expect(wrong.status).toBe(200);
    // Runs start before the pixel answers, so none now means none ever for these calls.
    expect(await runs()).not.toContain(victimId);

    const vouched = await gif({ externalId: victimId, userHash: beckon.userHash(victimId) });
    expect(vouched.status).toBe(200);
    expect(await runs()).toContain(victimId);
  });

  it('honours the previous identity secret for 24 hours after a rotation, then refuses it', async () => {
    const site = await json<{ id: string; identitySecret: string }>(
      beckon.api('/v1/sites', { body: { name: `Rotating ${++tag}`, origins: [PAGE] } }),
    );
    const siteKey = (await json<{ siteKey: string }>(beckon.api(`/v1/sites/${site.id}`))).siteKey;
    const rotated = await beckon.api(`/v1/sites/${site.id}/identity-secret`, { method: 'POST' });
    expect(rotated.status).toBe(201);
    const { identitySecret } = (await rotated.json()) as { identitySecret: string };
    expect(identitySecret).toMatch(/^bis_/);
    expect(identitySecret).not.toBe(site.identitySecret);

    const attempt = (secret: string, id: string) =>
      publicCall(
        'subscriptions',
        {
          subscription: (() => {
            const s = push.createSubscriber();
            return { endpoint: s.endpoint, keys: s.keys };
          })(),
          externalId: id,
          userHash: userHash(secret, id),
        },
        siteKey,
      );
    expect((await attempt(site.identitySecret, 'r-1')).status).toBe(201);
    expect((await attempt(identitySecret, 'r-2')).status).toBe(201);

    beckon.advanceClock(24 * 60 * 60_000 + 60_000);
    try {
      expect((await attempt(site.identitySecret, 'r-3')).status).toBe(401);
      expect((await attempt(identitySecret, 'r-4')).status).toBe(201);
    } finally {
      beckon.advanceClock(-(24 * 60 * 60_000 + 60_000));
    }
  });

  it('rotates only the workspace’s own sites: another workspace’s site is a 404 and keeps its secret', async () => {
    const other = await initWorkspace(beckon.store, { name: 'Other shop' }, Date.now());
    const res = await beckon.api(`/v1/sites/${other.siteId}/identity-secret`, { method: 'POST' });
    expect(res.status).toBe(404);
    const site = await beckon.store.sites.getByKey(other.siteKey);
    expect(site).toMatchObject({
      identitySecret: other.identitySecret,
      previousIdentitySecret: null,
    });
  });

  it('lets an "off" site link an unverified identify (ID sync) without writing its traits', async () => {
    const site = await json<{ id: string; siteKey: string }>(
      beckon.api('/v1/sites', { body: { name: `Legacy ${++tag}`, origins: [PAGE] } }),
    );
    const bad = await beckon.api(`/v1/sites/${site.id}`, {
      method: 'PATCH',
      body: { identityVerification: 'sometimes' },
    });
    expect(bad.status).toBe(400);
    const patched = await beckon.api(`/v1/sites/${site.id}`, {
      method: 'PATCH',
      body: { identityVerification: 'off' },
    });
    expect(await patched.json()).toMatchObject({ identityVerification: 'off' });

    const { subscriberId } = await json<{ subscriberId: string }>(
      publicCall(
        'subscriptions',
        {
          subscription: (() => {
            const s = push.createSubscriber();
            return { endpoint: s.endpoint, keys: s.keys };
          })(),
        },
        site.siteKey,
      ),
    );
    const userId = `legacy-${tag}`;
    await beckon.api(`/v1/users/${userId}`, { method: 'PUT', body: { traits: { plan: 'gold' } } });
    const identify = await publicCall(
      'events',
      { type: 'identify', externalId: userId, subscriberId, traits: { plan: 'free' } },
      site.siteKey,
    );
    expect(await identify.json()).toEqual({ accepted: 1, unverified: 1 });
    expect((await subscribersOf(userId)).map((s) => s.id)).toEqual([subscriberId]);
    expect((await userOf(userId)).traits).toEqual({ plan: 'gold' });
  });
});
