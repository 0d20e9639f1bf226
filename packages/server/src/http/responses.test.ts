import { createECDH } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DIALECTS, testDatabase, withSecretKey } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { createBeckon, type Beckon } from '../main.ts';
import { initWorkspace, type InitResult } from '../workspace-setup.ts';

const PUSH_ORIGIN = 'http://127.0.0.1:9';
const PAGE_ORIGIN = 'https://shop.example';
const keys = {
  p256dh: createECDH('prime256v1').generateKeys().toString('base64url'),
  auth: Buffer.alloc(16, 5).toString('base64url'),
};

interface Answer {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: string;
}

/** The route declaration whose method and path template match a request. */
function declarationOf(routes: RouteConfig[], method: string, path: string) {
  return routes.find(
    (r) =>
      r.method === method.toLowerCase() &&
      new RegExp(`^${r.path.replaceAll(/\{\w+\}/g, '[^/]+')}$`).test(path),
  );
}

/** Why an answer does not match what its route declares, or null when it does. */
function mismatch(routes: RouteConfig[], answer: Answer): string | null {
  const route = declarationOf(routes, answer.method, answer.path);
  if (!route) return 'no declared route';
  const declared =
    route.responses[String(answer.status)] ?? route.responses[`${String(answer.status)[0]}XX`];
  if (!declared) return `status ${answer.status} is not declared`;
  const content = 'content' in declared ? declared.content : undefined;
  if (!content) return answer.body === '' ? null : 'a body where none is declared';
  const type = answer.contentType.split(';')[0]!.trim();
  const media = content[type];
  if (!media || !('schema' in media)) return `content type ${type} is not declared`;
  if (!type.endsWith('json')) return null;
  const result = (media.schema as z.ZodType).safeParse(JSON.parse(answer.body));
  return result.success ? null : JSON.stringify(result.error.issues.slice(0, 3));
}

describe.each(DIALECTS)('real answers match their declared schemas on %s', (dialect) => {
  const database = testDatabase(dialect);
  let beckon: Beckon;
  let workspace: InitResult;
  const answers: Answer[] = [];

  async function call<T = Record<string, unknown>>(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
    const res = await beckon.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${workspace.apiKey}`,
        'content-type': 'application/json',
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const body = await res.text();
    answers.push({
      method,
      path: new URL(path, 'http://x').pathname,
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body,
    });
    expect(res.status, `${method} ${path}: ${body}`).toBeLessThan(300);
    return (body && res.headers.get('content-type')?.includes('json') ? JSON.parse(body) : {}) as T;
  }

  beforeAll(async () => {
    beckon = await createBeckon(
      loadConfig(
        withSecretKey({
          BECKON_DATABASE_URL: database.url,
          BECKON_PUSH_ORIGINS_ALLOW: PUSH_ORIGIN,
        }),
      ),
    );
    workspace = await initWorkspace(beckon.store, { origins: [PAGE_ORIGIN] }, Date.now());

    // Sites and the snippet's public calls.
    const site = await call<{ id: string; siteKey: string }>('/v1/sites', {
      body: { name: 'Blog', origins: [PAGE_ORIGIN], categories: [{ id: 'news', label: 'News' }] },
    });
    await call('/v1/sites');
    await call(`/v1/sites/${site.id}`);
    await call(`/v1/sites/${site.id}`, { method: 'PATCH', body: { name: 'Blog 2' } });
    await call(`/v1/sites/${site.id}/identity-secret`, { method: 'POST' });
    const pub = { headers: { origin: PAGE_ORIGIN } };
    await call(`/v1/sites/${site.siteKey}/config`, pub);
    const { subscriberId } = await call<{ subscriberId: string }>(
      `/v1/sites/${site.siteKey}/subscriptions`,
      {
        ...pub,
        body: { subscription: { endpoint: `${PUSH_ORIGIN}/push/1`, keys }, categories: ['news'] },
      },
    );
    await call(`/v1/sites/${site.siteKey}/events`, {
      ...pub,
      body: { type: 'track', event: 'Viewed', subscriberId },
    });

    // Subscribers and users.
    await call('/v1/subscribers?limit=10');
    await call(`/v1/subscribers/${subscriberId}`);
    await call('/v1/users/u-1', { method: 'PUT', body: { traits: { plan: 'pro' } } });
    await call('/v1/track', { body: { userId: 'u-1', event: 'Order Completed' } });
    await call('/v1/users/u-1');

    // Audiences.
    const manual = await call<{ id: string }>('/v1/audiences', { body: { name: 'VIP' } });
    const ruled = await call<{ id: string }>('/v1/audiences', {
      body: { name: 'Pro', rule: { trait: { plan: 'pro' } } },
    });
    await call('/v1/audiences');
    await call(`/v1/audiences/${ruled.id}`);
    await call(`/v1/audiences/${manual.id}`, { method: 'PATCH', body: { name: 'VIPs' } });
    await call('/v1/audiences/preview', { body: { rule: { trait: { plan: 'pro' } } } });
    const { jobId } = await call<{ jobId: string }>(`/v1/audiences/${manual.id}/members`, {
      body: { add: ['u-1'] },
    });
    await call(`/v1/jobs/${jobId}`);
    await call(`/v1/audiences/${ruled.id}/members`);

    // Campaigns, notifications and triggers.
    const campaign = await call<{ id: string }>('/v1/campaigns', {
      body: {
        name: 'Welcome',
        messages: [
          {
            title: 'Hi',
            body: 'Hello',
            url: '/start',
            actions: [{ action: 'go', title: 'Go', url: '/go' }],
          },
        ],
      },
    });
    await call('/v1/campaigns');
    await call(`/v1/campaigns/${campaign.id}`);
    await call(`/v1/campaigns/${campaign.id}`, {
      method: 'PATCH',
      body: { capping: { perDay: 2 } },
    });
    await call(`/v1/campaigns/${campaign.id}/stats`);
    const sent = await call<{ notificationId: string }>('/v1/notifications', {
      body: {
        campaignId: campaign.id,
        target: { subscriberIds: [subscriberId] },
        sendAt: '2099-01-01T00:00:00Z',
      },
    });
    await call('/v1/notifications');
    await call(`/v1/notifications/${sent.notificationId}`);
    await call(`/v1/notifications/${sent.notificationId}/cancel`, { method: 'POST' });
    const trigger = await call<{ id: string }>('/v1/triggers', {
      body: {
        name: 'Cart',
        on: { event: 'Cart Updated' },
        steps: [{ wait: 'PT1H' }, { send: { campaignId: campaign.id } }, { addTo: manual.id }],
        reentry: { afterDays: 7 },
      },
    });
    await call('/v1/triggers');
    await call(`/v1/triggers/${trigger.id}`);
    await call(`/v1/triggers/${trigger.id}`, { method: 'PATCH', body: { active: false } });

    // The workspace, and a problem.
    await call('/v1/organization');
    await call('/v1/organization', { method: 'PATCH', body: { retention: { eventsDays: 30 } } });
    await call('/healthz');
    const missing = await beckon.app.request('/v1/campaigns/nope', {
      headers: { authorization: `Bearer ${workspace.apiKey}` },
    });
    answers.push({
      method: 'GET',
      path: '/v1/campaigns/nope',
      status: missing.status,
      contentType: missing.headers.get('content-type') ?? '',
      body: await missing.text(),
    });
    await call(`/v1/triggers/${trigger.id}`, { method: 'DELETE' });
    await call('/v1/users/u-1', { method: 'DELETE' });
    await call(`/v1/subscribers/${subscriberId}`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  const routes = () =>
    beckon.app.openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d.route] : []));

  it('samples every resource', () => {
    const sampled = new Set(answers.map((a) => a.path.split('/')[2]));
    for (const resource of [
      'sites',
      'subscribers',
      'campaigns',
      'notifications',
      'audiences',
      'triggers',
      'users',
      'organization',
      'jobs',
    ])
      expect(sampled).toContain(resource);
  });

  it('answers only what each route declares', () => {
    const wrong = answers.flatMap((answer) => {
      const why = mismatch(routes(), answer);
      return why ? [`${answer.method} ${answer.path} ${answer.status}: ${why}`] : [];
    });
    expect(answers.length).toBeGreaterThan(40);
    expect(wrong).toEqual([]);
  });

  it('would notice an answer that drifts from its schema', () => {
    const site = answers.find((a) => a.method === 'GET' && /^\/v1\/sites\/[^/]+$/.test(a.path))!;
    const drifted = { ...site, body: JSON.stringify({ ...JSON.parse(site.body), createdAt: 5 }) };
    expect(mismatch(routes(), drifted)).toContain('createdAt');
  });
});
