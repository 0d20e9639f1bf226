import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
} from './support/push-service/index.ts';
import { listTables, tableRows } from './support/tables.ts';

/**
 * GDPR erase (API.md "Limits and retention"): after `DELETE /v1/users/{externalId}` no row of
 * any table, read from the catalogue so a future table is covered too, names the user, its
 * subscribers, endpoints or anonymous ids, or holds its traits or event properties.
 */
describe.each(DIALECTS)('GDPR erase on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  const tag = randomUUID().slice(0, 8);
  const user = `erase-me-${tag}`;
  const keeper = `keep-me-${tag}`;
  const trait = `trait-value-${tag}`;
  const property = `property-value-${tag}`;
  const anonymous = [1, 2, 3].map((n) => `anon-${n}-${tag}`);
  const browsers: Array<{ browser: VirtualSubscriber; id: string }> = [];
  let keeperSubscriberId: string;
  let notificationId: string;

  async function api<T>(path: string, body?: unknown, method?: string, headers = {}) {
    const res = await beckon.api(path, { body, method, headers });
    const text = await res.text();
    expect(res.status, `${path}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function subscribe(siteKey: string, anonymousId: string) {
    const browser = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: { endpoint: browser.endpoint, keys: browser.keys },
        anonymousId,
      }),
    });
    expect(res.status).toBe(201);
    return { browser, id: ((await res.json()) as { subscriberId: string }).subscriberId };
  }

  async function pixel(siteKey: string, event: Record<string, unknown>) {
    const res = await fetch(`${beckon.url}/v1/sites/${siteKey}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(res.status).toBeLessThan(300);
  }

  async function settled() {
    await eventually(
      async () => {
        const db = beckon.store.db.kysely;
        const job = await db
          .selectFrom('jobs')
          .select('id')
          .where('status', 'in', ['queued', 'running'])
          .executeTakeFirst();
        const queued = await db
          .selectFrom('deliveries')
          .select('id')
          .where('status', '=', 'queued')
          .executeTakeFirst();
        return !job && !queued;
      },
      { timeoutMs: 20_000, what: 'jobs and deliveries to finish' },
    );
  }

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
    // Caps make every push leave a push_log row.
    await api(`/v1/sites/${beckon.siteId}`, { capping: { perDay: 100 } }, 'PATCH');
    const blog = await api<{ siteKey: string }>('/v1/sites', {
      name: 'Blog',
      origins: ['https://blog.example'],
      capping: { perDay: 100 },
    });

    // Anonymous activity first, on both sites; the browsers subscribe, then are identified.
    await pixel(beckon.siteKey, {
      type: 'track',
      event: 'Viewed',
      anonymousId: anonymous[0],
      properties: { secret: property },
    });
    browsers.push(await subscribe(beckon.siteKey, anonymous[0]!));
    browsers.push(await subscribe(blog.siteKey, anonymous[1]!));
    await pixel(blog.siteKey, { type: 'page', anonymousId: anonymous[2] });
    for (const anonymousId of anonymous) await api('/v1/identify', { userId: user, anonymousId });
    await api(`/v1/users/${user}`, { traits: { nickname: trait, plan: 'gold' } }, 'PUT');

    // Someone else, who must keep everything.
    const other = await subscribe(beckon.siteKey, `anon-keeper-${tag}`);
    keeperSubscriberId = other.id;
    await api('/v1/identify', {
      userId: keeper,
      anonymousId: `anon-keeper-${tag}`,
      traits: { plan: 'gold' },
    });
    await api('/v1/track', { userId: keeper, event: 'Viewed', properties: { page: 'home' } });

    const campaign = await api<{ id: string }>('/v1/campaigns', {
      name: 'News',
      messages: [{ id: 'm1', title: 'Hello', body: 'there' }],
    });
    // A waiting trigger run holding the event's properties.
    await api('/v1/triggers', {
      name: 'Cart reminder',
      on: { event: 'Cart Updated' },
      steps: [{ wait: 'PT1H' }, { send: { campaignId: campaign.id } }],
      active: true,
    });
    await api('/v1/track', {
      userId: user,
      event: 'Cart Updated',
      properties: { secret: property },
    });
    // A fired trigger whose message renders the event: its notification keeps the properties.
    await api('/v1/triggers', {
      name: 'Viewed it',
      on: { event: 'Cart Viewed' },
      steps: [
        { send: { campaignId: campaign.id, override: { body: 'Still {{properties.secret}}?' } } },
      ],
      active: true,
    });
    await api('/v1/track', {
      userId: user,
      event: 'Cart Viewed',
      properties: { secret: property },
    });

    // Manual audience (as a user and as a bare subscriber id) and an evergreen send.
    const vip = await api<{ id: string }>('/v1/audiences', { name: 'VIP' });
    await api(`/v1/audiences/${vip.id}/members`, {
      add: [user, keeper],
      subscriberIds: [browsers[0]!.id],
    });
    const welcome = await api<{ id: string }>('/v1/audiences', { name: 'Welcome' });
    await api('/v1/campaigns', {
      name: 'Welcome',
      messages: [{ id: 'w', title: 'Welcome!', body: 'Glad you are here' }],
      evergreen: { audienceId: welcome.id },
    });
    await api(`/v1/audiences/${welcome.id}/members`, { add: [user] });
    await push.waitForMessages(2, { timeoutMs: 20_000 });

    // A direct notification naming the user, sent with an idempotency key, and a receipt.
    notificationId = (
      await api<{ notificationId: string }>(
        '/v1/notifications',
        { campaignId: campaign.id, target: { externalIds: [user] } },
        'POST',
        { 'idempotency-key': `key-${tag}` },
      )
    ).notificationId;
    await settled();
    const delivery = await beckon.store.db.kysely
      .selectFrom('deliveries')
      .select('id')
      .where('notification_id', '=', notificationId)
      .where('subscriber_id', '=', browsers[0]!.id)
      .executeTakeFirstOrThrow();
    const receipt = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deliveryId: delivery.id, kind: 'shown' }),
    });
    expect(receipt.status).toBe(202);
  });

  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  /** Every row of every table that contains one of `needles`, as `table: row`. */
  async function rowsNaming(needles: string[]): Promise<string[]> {
    const hits = [];
    for (const table of await listTables(beckon.store.db)) {
      for (const row of await tableRows(beckon.store.db, table)) {
        if (needles.some((n) => row.includes(n))) hits.push(`${table.name}: ${row}`);
      }
    }
    return hits;
  }

  const needles = () => [
    user,
    trait,
    property,
    ...anonymous,
    ...browsers.flatMap((b) => [b.id, b.browser.endpoint, b.browser.keys.p256dh]),
  ];

  it('finds the user in the data before the erase (the search below can fail)', async () => {
    const before = await rowsNaming(needles());
    const tables = new Set(before.map((row) => row.slice(0, row.indexOf(':'))));
    expect([...tables].sort()).toEqual(
      expect.arrayContaining([
        'audience_members',
        'deliveries',
        'events',
        'evergreen_sends',
        // A members import's ids wait in `job_chunks` only until applied (see the last test).
        'notifications',
        'push_log',
        'subscribers',
        'trigger_runs',
        'users',
      ]),
    );
  });

  it('leaves no row in any table naming the user, its subscribers, endpoints, anonymous ids, traits or properties', async () => {
    const res = await beckon.api(`/v1/users/${user}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await rowsNaming(needles())).toEqual([]);
    expect((await beckon.api(`/v1/users/${user}`)).status).toBe(404);
    expect((await beckon.api(`/v1/users/${user}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps the notification that targeted the user, with its counts, naming "[erased]" instead', async () => {
    const notification = await api<{ status: string; counts: { delivered: number } }>(
      `/v1/notifications/${notificationId}`,
    );
    expect(notification.status).toBe('sent');
    expect(notification.counts.delivered).toBe(2);
    const row = await beckon.store.db.kysely
      .selectFrom('notifications')
      .select('target')
      .where('id', '=', notificationId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.target)).toEqual({ externalIds: ['[erased]'] });
  });

  it("keeps another user's traits, subscriber, events and membership", async () => {
    const other = await api<{ traits: unknown; subscribers: Array<{ id: string }> }>(
      `/v1/users/${keeper}`,
    );
    expect(other.traits).toEqual({ plan: 'gold' });
    expect(other.subscribers.map((s) => s.id)).toEqual([keeperSubscriberId]);
    expect(await rowsNaming([keeper])).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^events: .*"name":"Viewed"/),
        expect.stringMatching(/^audience_members: /),
      ]),
    );
  });

  it('turns a waiting members import naming the user into "[erased]", which the job then skips', async () => {
    const late = `late-${tag}`;
    await api(`/v1/users/${late}`, { traits: { nickname: trait } }, 'PUT');
    const list = await api<{ id: string }>('/v1/audiences', { name: 'Late list' });
    await beckon.stopWorkers();
    let jobId: string;
    try {
      ({ jobId } = await api<{ jobId: string }>(`/v1/audiences/${list.id}/members`, {
        add: [late, keeper],
      }));
      expect((await beckon.api(`/v1/users/${late}`, { method: 'DELETE' })).status).toBe(204);
      expect(await rowsNaming([late, trait])).toEqual([]);
    } finally {
      beckon.startWorkers();
    }
    const job = await eventually(
      async () => {
        const j = await api<{ status: string; result?: unknown }>(`/v1/jobs/${jobId}`);
        return j.status === 'succeeded' && j;
      },
      { what: 'the members job' },
    );
    expect(job.result).toEqual({ added: 1, removed: 0, skipped: 1 });
    const members = await api<{ data: Array<{ externalId?: string }> }>(
      `/v1/audiences/${list.id}/members`,
    );
    expect(members.data.map((m) => m.externalId)).toEqual([keeper]);
  });
});
