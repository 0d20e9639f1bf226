import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvergreen } from '../packages/server/src/audiences/evergreen.ts';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';
import { listTables, tableRows, type TableInfo } from './support/tables.ts';

/** Workspace A's resources, which workspace B's key tries to reach. */
interface A {
  workspaceId: string;
  apiKey: string;
  siteId: string;
  siteKey: string;
  vapidPublicKey: string;
  subscriberId: string;
  endpoint: string;
  anonymousId: string;
  /** A name, not an id: B may have a user of the same name. */
  externalId: string;
  trait: string;
  manualAudienceId: string;
  ruleAudienceId: string;
  welcomeAudienceId: string;
  campaignId: string;
  welcomeCampaignId: string;
  notificationId: string;
  triggerId: string;
  webhookId: string;
  jobId: string;
  apiKeyId: string;
  /** A's dashboard account. */
  accountId: string;
}
/** B's own resources that a probe may need beside A's ids. */
interface B {
  campaignId: string;
  audienceId: string;
}

/**
 * One attempt by B's key on A's data. `route` is the route as Hono registers it, so the
 * table can be checked against `app.routes`. B gets `status` (404 unless said); whatever it
 * gets, no row of A's changes and the answer names none of A's ids that B did not send.
 */
interface Probe {
  route: string;
  path: (a: A, b: B) => string;
  body?: (a: A, b: B) => unknown;
  status?: number;
}

const campaignBody = { name: 'B campaign', messages: [{ title: 'B', body: 'b' }] };

/** A new private route needs one line here, or the coverage test below fails. */
const PROBES: Probe[] = [
  { route: 'GET /v1/organization', path: () => '/v1/organization', status: 200 },
  {
    // Changes B's own retention only; A's workspace row must stay as it was.
    route: 'PATCH /v1/organization',
    path: () => '/v1/organization',
    body: () => ({ retention: { eventsDays: 1 } }),
    status: 200,
  },
  { route: 'GET /v1/jobs/:id', path: (a) => `/v1/jobs/${a.jobId}` },
  {
    route: 'POST /v1/sites',
    path: () => '/v1/sites',
    body: () => ({ name: 'B blog', origins: ['https://b.example'] }),
    status: 201,
  },
  { route: 'GET /v1/sites', path: () => '/v1/sites', status: 200 },
  { route: 'GET /v1/sites/:id', path: (a) => `/v1/sites/${a.siteId}` },
  {
    route: 'PATCH /v1/sites/:id',
    path: (a) => `/v1/sites/${a.siteId}`,
    body: () => ({ name: 'Taken over', origins: ['https://evil.example'] }),
  },
  {
    route: 'POST /v1/sites/:id/identity-secret',
    path: (a) => `/v1/sites/${a.siteId}/identity-secret`,
  },
  {
    // B imports into A's site: nothing is queued, A's subscribers stay as they are.
    route: 'POST /v1/sites/:id/subscriptions/import',
    path: (a) => `/v1/sites/${a.siteId}/subscriptions/import`,
    body: () => [{ endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: {} }],
  },
  {
    route: 'GET /v1/subscribers',
    path: (a) => `/v1/subscribers?siteId=${a.siteId}`,
    status: 200,
  },
  {
    route: 'GET /v1/subscribers',
    path: (a) => `/v1/subscribers?externalId=${a.externalId}`,
    status: 200,
  },
  { route: 'GET /v1/subscribers', path: (a) => `/v1/subscribers?audienceId=${a.manualAudienceId}` },
  { route: 'GET /v1/subscribers/:id', path: (a) => `/v1/subscribers/${a.subscriberId}` },
  {
    route: 'GET /v1/subscribers/:id/activity',
    path: (a) => `/v1/subscribers/${a.subscriberId}/activity`,
  },
  { route: 'DELETE /v1/subscribers/:id', path: (a) => `/v1/subscribers/${a.subscriberId}` },
  {
    route: 'POST /v1/audiences',
    path: () => '/v1/audiences',
    body: (a) => ({ name: 'Nested', rule: { inAudience: a.manualAudienceId } }),
    status: 400,
  },
  { route: 'GET /v1/audiences', path: () => '/v1/audiences', status: 200 },
  { route: 'GET /v1/audiences/:id', path: (a) => `/v1/audiences/${a.manualAudienceId}` },
  { route: 'GET /v1/audiences/:id', path: (a) => `/v1/audiences/${a.ruleAudienceId}` },
  {
    route: 'PATCH /v1/audiences/:id',
    path: (a) => `/v1/audiences/${a.manualAudienceId}`,
    body: () => ({ name: 'Renamed' }),
  },
  {
    route: 'PATCH /v1/audiences/:id',
    path: (a) => `/v1/audiences/${a.ruleAudienceId}`,
    body: () => ({ rule: { trait: { plan: 'free' } } }),
  },
  {
    route: 'POST /v1/audiences/:id/members',
    path: (a) => `/v1/audiences/${a.manualAudienceId}/members`,
    body: (a) => ({ add: ['intruder'], remove: [a.externalId] }),
  },
  {
    route: 'GET /v1/audiences/:id/members',
    path: (a) => `/v1/audiences/${a.manualAudienceId}/members`,
  },
  // Accepted into B's own audience, but A's subscriber id is skipped (checked at the end).
  {
    route: 'POST /v1/audiences/:id/members',
    path: (_a, b) => `/v1/audiences/${b.audienceId}/members`,
    body: (a) => ({ subscriberIds: [a.subscriberId] }),
    status: 202,
  },
  {
    route: 'GET /v1/audiences/:id/members',
    path: (a) => `/v1/audiences/${a.ruleAudienceId}/members`,
  },
  { route: 'DELETE /v1/audiences/:id', path: (a) => `/v1/audiences/${a.manualAudienceId}` },
  { route: 'DELETE /v1/audiences/:id', path: (a) => `/v1/audiences/${a.ruleAudienceId}` },
  {
    route: 'POST /v1/campaigns',
    path: () => '/v1/campaigns',
    body: (a) => ({ ...campaignBody, evergreen: { audienceId: a.welcomeAudienceId } }),
    status: 400,
  },
  { route: 'GET /v1/campaigns', path: () => '/v1/campaigns', status: 200 },
  { route: 'GET /v1/campaigns/:id', path: (a) => `/v1/campaigns/${a.campaignId}` },
  {
    route: 'PATCH /v1/campaigns/:id',
    path: (a) => `/v1/campaigns/${a.campaignId}`,
    body: () => ({ name: 'Hijacked', messages: [{ title: 'Pwned', body: 'x' }] }),
  },
  {
    route: 'PATCH /v1/campaigns/:id',
    path: (a) => `/v1/campaigns/${a.welcomeCampaignId}`,
    body: () => ({ evergreen: null }),
  },
  {
    route: 'PATCH /v1/campaigns/:id',
    path: (_a, b) => `/v1/campaigns/${b.campaignId}`,
    body: (a) => ({ evergreen: { audienceId: a.manualAudienceId } }),
    status: 400,
  },
  { route: 'GET /v1/campaigns/:id/stats', path: (a) => `/v1/campaigns/${a.campaignId}/stats` },
  {
    route: 'POST /v1/notifications',
    path: () => '/v1/notifications',
    body: (a) => ({ campaignId: a.campaignId, target: { all: true } }),
  },
  {
    route: 'POST /v1/notifications',
    path: () => '/v1/notifications',
    body: (a, b) => ({
      campaignId: b.campaignId,
      target: { audiences: { include: [a.manualAudienceId] } },
    }),
  },
  // Accepted, but B's send reaches none of A's subscribers (checked once B's jobs have run).
  {
    route: 'POST /v1/notifications',
    path: () => '/v1/notifications',
    body: (a, b) => ({ campaignId: b.campaignId, target: { subscriberIds: [a.subscriberId] } }),
    status: 202,
  },
  {
    route: 'POST /v1/notifications',
    path: () => '/v1/notifications',
    body: (a, b) => ({
      campaignId: b.campaignId,
      target: { externalIds: [a.externalId], siteIds: [a.siteId] },
    }),
    status: 202,
  },
  { route: 'GET /v1/notifications/:id', path: (a) => `/v1/notifications/${a.notificationId}` },
  // B's list filtered by A's campaign, or by a status A's sends have, shows none of A's.
  {
    route: 'GET /v1/notifications',
    path: (a) => `/v1/notifications?campaignId=${a.campaignId}`,
    status: 200,
  },
  { route: 'GET /v1/notifications', path: () => '/v1/notifications?status=sent', status: 200 },
  {
    route: 'POST /v1/notifications/:id/cancel',
    path: (a) => `/v1/notifications/${a.notificationId}/cancel`,
    body: () => ({}),
  },
  {
    route: 'POST /v1/triggers',
    path: () => '/v1/triggers',
    body: (a) => ({
      name: 'Steal',
      on: { event: 'Cart Updated' },
      steps: [{ send: { campaignId: a.campaignId } }],
      active: true,
    }),
    status: 400,
  },
  {
    route: 'POST /v1/triggers',
    path: () => '/v1/triggers',
    body: (a) => ({
      name: 'Move',
      on: { event: 'Cart Updated' },
      steps: [{ addTo: a.manualAudienceId }],
    }),
    status: 400,
  },
  { route: 'GET /v1/triggers', path: () => '/v1/triggers', status: 200 },
  { route: 'GET /v1/triggers/:id', path: (a) => `/v1/triggers/${a.triggerId}` },
  {
    route: 'PATCH /v1/triggers/:id',
    path: (a) => `/v1/triggers/${a.triggerId}`,
    body: () => ({ active: false }),
  },
  { route: 'DELETE /v1/triggers/:id', path: (a) => `/v1/triggers/${a.triggerId}` },
  {
    route: 'POST /v1/webhooks',
    path: () => '/v1/webhooks',
    body: () => ({ url: 'https://hooks.example.com/b', events: ['delivery.sent'], enabled: false }),
    status: 201,
  },
  { route: 'GET /v1/webhooks', path: () => '/v1/webhooks', status: 200 },
  { route: 'GET /v1/webhooks/:id', path: (a) => `/v1/webhooks/${a.webhookId}` },
  {
    route: 'PATCH /v1/webhooks/:id',
    path: (a) => `/v1/webhooks/${a.webhookId}`,
    body: () => ({ url: 'https://evil.example/steal', enabled: true }),
  },
  { route: 'DELETE /v1/webhooks/:id', path: (a) => `/v1/webhooks/${a.webhookId}` },
  {
    route: 'GET /v1/webhooks/:id/deliveries',
    path: (a) => `/v1/webhooks/${a.webhookId}/deliveries`,
  },
  // Users are named, not ids: B's "X" is B's own user, never A's.
  { route: 'GET /v1/users/:externalId', path: (a) => `/v1/users/${a.externalId}` },
  { route: 'DELETE /v1/users/:externalId', path: (a) => `/v1/users/${a.externalId}` },
  {
    route: 'PUT /v1/users/:externalId',
    path: (a) => `/v1/users/${a.externalId}`,
    body: () => ({ traits: { plan: 'b-plan' } }),
    status: 200,
  },
  { route: 'GET /v1/users/:externalId', path: (a) => `/v1/users/${a.externalId}`, status: 200 },
  { route: 'DELETE /v1/users/:externalId', path: (a) => `/v1/users/${a.externalId}`, status: 204 },
  // Ingestion as B naming A's user, A's anonymous id and A's audience key (Engage trait).
  {
    route: 'POST /v1/identify',
    path: () => '/v1/identify',
    body: (a) => ({
      userId: a.externalId,
      anonymousId: a.anonymousId,
      traits: { vip: false, plan: 'b' },
    }),
    status: 200,
  },
  {
    route: 'POST /v1/track',
    path: () => '/v1/track',
    body: (a) => ({ userId: a.externalId, anonymousId: a.anonymousId, event: 'Cart Updated' }),
    status: 200,
  },
  {
    route: 'POST /v1/screen',
    path: () => '/v1/screen',
    body: (a) => ({ userId: a.externalId, anonymousId: a.anonymousId, name: 'Home' }),
    status: 200,
  },
  {
    route: 'POST /v1/group',
    path: () => '/v1/group',
    body: (a) => ({ userId: a.externalId, groupId: 'acme', traits: { plan: 'stolen' } }),
    status: 200,
  },
  {
    // B aliases a user named like A's: only B's own users move.
    route: 'POST /v1/alias',
    path: () => '/v1/alias',
    body: (a) => ({ previousId: a.externalId, userId: 'b-taker' }),
    status: 200,
  },
  {
    route: 'POST /v1/audiences/preview',
    path: () => '/v1/audiences/preview',
    body: (a) => ({ rule: { inAudience: a.manualAudienceId } }),
    status: 400,
  },
  {
    route: 'POST /v1/page',
    path: () => '/v1/page',
    body: (a) => ({ anonymousId: a.anonymousId, name: 'Home' }),
    status: 200,
  },
  {
    route: 'POST /v1/batch',
    path: () => '/v1/batch',
    body: (a) => ({
      batch: [{ type: 'track', userId: a.externalId, event: 'Order Completed', properties: {} }],
    }),
    status: 200,
  },
  // Sessions: B's key is no session; sign-in and set-password know nothing of workspaces.
  {
    route: 'POST /v1/session',
    path: () => '/v1/session',
    body: () => ({ email: 'owner-a@example.com', password: 'not the password' }),
    status: 401,
  },
  { route: 'GET /v1/session', path: () => '/v1/session', status: 401 },
  { route: 'DELETE /v1/session', path: () => '/v1/session', status: 401 },
  {
    route: 'POST /v1/session/password',
    path: () => '/v1/session/password',
    body: () => ({ token: 'set_made-up', password: 'a long new password' }),
    status: 400,
  },
  { route: 'GET /v1/api-keys', path: () => '/v1/api-keys', status: 200 },
  {
    route: 'POST /v1/api-keys',
    path: () => '/v1/api-keys',
    body: () => ({ name: 'B key' }),
    status: 201,
  },
  { route: 'DELETE /v1/api-keys/:id', path: (a) => `/v1/api-keys/${a.apiKeyId}` },
  { route: 'GET /v1/team', path: () => '/v1/team', status: 200 },
  {
    route: 'POST /v1/team',
    path: () => '/v1/team',
    body: () => ({ email: 'b-person@example.com', role: 'viewer' }),
    status: 201,
  },
  {
    route: 'PATCH /v1/team/:userId',
    path: (a) => `/v1/team/${a.accountId}`,
    body: () => ({ role: 'viewer' }),
  },
  { route: 'DELETE /v1/team/:userId', path: (a) => `/v1/team/${a.accountId}` },
  {
    route: 'GET /v1/stats/subscribers',
    path: (a) => `/v1/stats/subscribers?siteId=${a.siteId}`,
  },
  // B's own subscribers (none), whatever A's category is called.
  {
    route: 'GET /v1/stats/subscribers',
    path: () => '/v1/stats/subscribers?category=news',
    status: 200,
  },
  {
    route: 'GET /v1/campaigns/:id/stats',
    path: (a) => `/v1/campaigns/${a.campaignId}/stats?interval=hour`,
  },
  // B's own pushes only: A's campaigns never appear among B's top campaigns.
  { route: 'GET /v1/stats/pushes', path: () => '/v1/stats/pushes?interval=hour', status: 200 },
  // B's erase of its "X", whose events now carry A's anonymous id.
  { route: 'DELETE /v1/users/:externalId', path: (a) => `/v1/users/${a.externalId}`, status: 204 },
];

/** Private routes: everything under /v1 but the public, siteKey-addressed ones. */
function privateRoutes(app: TestBeckon['app']): Set<string> {
  return new Set(
    app.routes
      .filter((r) => r.method !== 'ALL' && r.method !== 'OPTIONS')
      .filter((r) => r.path.startsWith('/v1/') && !r.path.startsWith('/v1/sites/:siteKey'))
      .map((r) => `${r.method} ${r.path}`),
  );
}

function titleOf(payload: string): string | undefined {
  const p = JSON.parse(payload) as { title?: string; notification?: { title?: string } };
  return p.notification?.title ?? p.title;
}

describe.each(DIALECTS)('tenancy on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;
  let tables: TableInfo[];
  let bKey: string;
  let bWorkspaceId: string;
  const a = {} as A;
  const b = {} as B;

  async function as(key: string, path: string, body?: unknown, method?: string) {
    return fetch(beckon.url + path, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  async function ok<T>(res: Promise<Response>, status = [200, 201, 202]): Promise<T> {
    const r = await res;
    const text = await r.text();
    expect(status, text).toContain(r.status);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const asA = <T>(path: string, body?: unknown, method?: string) =>
    ok<T>(as(a.apiKey, path, body, method));

  /** Every row of A's (its workspace's rows, and all rows of tables without a workspace). */
  async function rowsOfA(): Promise<string[]> {
    const all = [];
    for (const table of tables) {
      for (const row of await tableRows(beckon.store.db, table, { id: a.workspaceId })) {
        all.push(`${table.name} ${row}`);
      }
    }
    return all;
  }

  async function settle(workspaceId: string) {
    await eventually(
      async () => {
        const busy = await beckon.store.db.kysely
          .selectFrom('jobs')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('status', 'in', ['queued', 'running'])
          .executeTakeFirst();
        const queued = await beckon.store.db.kysely
          .selectFrom('deliveries')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('status', '=', 'queued')
          .executeTakeFirst();
        // Events out decide `notification.finished` (a row change) a moment after.
        const unfinished = await beckon.store.db.kysely
          .selectFrom('notifications')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('finished_at', 'is', null)
          .executeTakeFirst();
        return !busy && !queued && !unfinished;
      },
      { timeoutMs: 20_000, what: `workspace ${workspaceId} to settle` },
    );
  }

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
    tables = await listTables(beckon.store.db);
    a.apiKey = beckon.apiKey;
    a.siteId = beckon.siteId;
    a.siteKey = beckon.siteKey;
    a.vapidPublicKey = beckon.vapidPublicKey;
    a.workspaceId = (await asA<{ id: string }>('/v1/organization')).id;
    a.apiKeyId = (await asA<{ data: Array<{ id: string }> }>('/v1/api-keys')).data[0]!.id;
    a.accountId = (await beckon.store.accounts.create(
      { workspaceId: a.workspaceId, email: 'owner-a@example.com', role: 'owner' },
      Date.now(),
    ))!.account.id;
    a.externalId = `shared-${randomUUID().slice(0, 8)}`;
    a.anonymousId = `anon-${randomUUID()}`;
    a.trait = `trait-${randomUUID()}`;

    const browser = push.createSubscriber();
    a.endpoint = browser.endpoint;
    a.subscriberId = (
      await ok<{ subscriberId: string }>(
        fetch(`${beckon.url}/v1/sites/${a.siteKey}/subscriptions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            subscription: { endpoint: browser.endpoint, keys: browser.keys },
            anonymousId: a.anonymousId,
          }),
        }),
      )
    ).subscriberId;
    // Linked by the private identify (a public call naming a user may need a userHash).
    await asA('/v1/identify', { userId: a.externalId, anonymousId: a.anonymousId });
    await asA(`/v1/users/${a.externalId}`, { traits: { plan: 'gold', secret: a.trait } }, 'PUT');
    await asA('/v1/track', { userId: a.externalId, event: 'Order Completed', properties: {} });

    a.manualAudienceId = (await asA<{ id: string }>('/v1/audiences', { name: 'VIP' })).id;
    a.jobId = (
      await asA<{ jobId: string }>(`/v1/audiences/${a.manualAudienceId}/members`, {
        add: [a.externalId],
      })
    ).jobId;
    a.ruleAudienceId = (
      await asA<{ id: string }>('/v1/audiences', {
        name: 'Gold',
        rule: { trait: { plan: 'gold' } },
      })
    ).id;
    a.campaignId = (
      await asA<{ id: string }>('/v1/campaigns', {
        name: 'News',
        messages: [{ id: 'm1', title: 'Hello', body: 'there' }],
      })
    ).id;
    // Evergreen: attached to an empty audience, then A's user joins and gets Welcome once.
    a.welcomeAudienceId = (await asA<{ id: string }>('/v1/audiences', { name: 'Welcome' })).id;
    a.welcomeCampaignId = (
      await asA<{ id: string }>('/v1/campaigns', {
        name: 'Welcome',
        messages: [{ id: 'w', title: 'Welcome!', body: 'Glad you are here' }],
        evergreen: { audienceId: a.welcomeAudienceId },
      })
    ).id;
    await asA(`/v1/audiences/${a.welcomeAudienceId}/members`, { add: [a.externalId] });
    await push.waitForMessages(1, { timeoutMs: 20_000 });
    a.notificationId = (
      await asA<{ notificationId: string }>('/v1/notifications', {
        campaignId: a.campaignId,
        target: { externalIds: [a.externalId] },
      })
    ).notificationId;
    // Disabled: no outbox rows, so nothing of A's changes while the probes run.
    a.webhookId = (
      await asA<{ id: string }>('/v1/webhooks', {
        url: 'https://hooks.example.com/a',
        events: ['delivery.sent'],
        enabled: false,
      })
    ).id;
    a.triggerId = (
      await asA<{ id: string }>('/v1/triggers', {
        name: 'Never',
        on: { event: 'Never Fired' },
        steps: [{ send: { campaignId: a.campaignId } }],
        active: true,
      })
    ).id;
    await settle(a.workspaceId);
    expect(push.messages.map((m) => titleOf(m.payload)).sort()).toEqual(['Hello', 'Welcome!']);

    bKey = (await initWorkspace(beckon.store, { name: 'Rival' }, Date.now())).apiKey;
    bWorkspaceId = (await ok<{ id: string }>(as(bKey, '/v1/organization'))).id;
    b.campaignId = (await ok<{ id: string }>(as(bKey, '/v1/campaigns', campaignBody))).id;
    b.audienceId = (await ok<{ id: string }>(as(bKey, '/v1/audiences', { name: 'B list' }))).id;
  });

  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  it('has a tenancy probe for every private route the app registers, and no stale one', () => {
    const registered = privateRoutes(beckon.app);
    const probed = new Set(PROBES.map((p) => p.route));
    expect(
      [...registered].filter((r) => !probed.has(r)),
      'routes without a probe',
    ).toEqual([]);
    expect(
      [...probed].filter((r) => !registered.has(r)),
      'probes of no route',
    ).toEqual([]);
  });

  for (const [i, probe] of PROBES.entries()) {
    const status = probe.status ?? 404;
    it(`answers B's ${probe.route} on A's data (#${i}) with ${status}, changing and showing nothing of A's`, async () => {
      const before = await rowsOfA();
      const path = probe.path(a, b);
      const body = probe.body?.(a, b);
      const res = await as(bKey, path, body, probe.route.split(' ')[0]);
      const text = await res.text();
      expect(res.status, text).toBe(status);
      if (status >= 400) expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      const sent = path + JSON.stringify(body ?? null);
      const secrets = Object.entries(a).filter(
        ([name, value]) => name !== 'externalId' && !sent.includes(value),
      );
      for (const [name, value] of secrets) expect(text, `leaks A's ${name}`).not.toContain(value);
      expect(await rowsOfA()).toEqual(before);
    });
  }

  it("keeps A's rows and subscribers untouched once B's accepted work has run", async () => {
    const before = await rowsOfA();
    await settle(bWorkspaceId);
    expect(await rowsOfA()).toEqual(before);
    const { rows } = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM deliveries
      WHERE subscriber_id = ${a.subscriberId} AND workspace_id <> ${a.workspaceId}`.execute(
      beckon.store.db.kysely,
    );
    expect(Number(rows[0]!.n)).toBe(0);
    const foreignMembers = await beckon.store.db.kysely
      .selectFrom('audience_members')
      .select('member_id')
      .where('member_id', '=', a.subscriberId)
      .where('workspace_id', '<>', a.workspaceId)
      .execute();
    expect(foreignMembers).toEqual([]);
    expect(push.messages.filter((m) => m.endpoint === a.endpoint)).toHaveLength(2);
    const user = await asA<{ traits: Record<string, unknown>; subscribers: unknown[] }>(
      `/v1/users/${a.externalId}`,
    );
    expect(user.traits).toEqual({ plan: 'gold', secret: a.trait });
    expect(user.subscribers).toHaveLength(1);
  });

  it("sends A's evergreen message to A's user exactly once although B erased a user of the same name", async () => {
    await ok(as(bKey, `/v1/users/${a.externalId}`, { traits: {} }, 'PUT'));
    await ok(as(bKey, `/v1/users/${a.externalId}`, undefined, 'DELETE'), [204]);
    const sweeper = createEvergreen({
      store: beckon.store,
      clock: Date.now,
      onQueued: () => beckon.engine.wake(),
    });
    for (let sweep = 0; sweep < 3; sweep++) expect(await sweeper.sweep()).toBe(false);
    await settle(a.workspaceId);
    const welcome = await beckon.store.db.kysely
      .selectFrom('deliveries')
      .select('id')
      .where('campaign_id', '=', a.welcomeCampaignId)
      .execute();
    expect(welcome).toHaveLength(1);
    expect(push.messages.filter((m) => titleOf(m.payload) === 'Welcome!')).toHaveLength(1);
  });
});
