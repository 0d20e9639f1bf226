import { createECDH } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase, withSecretKey } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { createBeckon, type Beckon } from '../main.ts';
import { initWorkspace, type InitResult } from '../workspace-setup.ts';

const PUSH_ORIGIN = 'http://127.0.0.1:9';
const PAGE_ORIGIN = 'https://shop.example';
const p256dh = (() => {
  const ecdh = createECDH('prime256v1');
  return ecdh.generateKeys().toString('base64url');
})();
const auth = Buffer.alloc(16, 3).toString('base64url');
const subscription = (endpoint = `${PUSH_ORIGIN}/push/a`) => ({ endpoint, keys: { p256dh, auth } });

describe.each(DIALECTS)('API errors and isolation on %s', (dialect) => {
  const database = testDatabase(dialect);
  let beckon: Beckon;
  let mine: InitResult;
  let theirs: InitResult;
  let campaignId: string;

  const call = (
    path: string,
    init: {
      method?: string;
      body?: unknown;
      key?: string;
      raw?: string;
      headers?: Record<string, string>;
    } = {},
  ) =>
    beckon.app.request(path, {
      method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
      headers: {
        'content-type': 'application/json',
        ...(init.key !== '' && { authorization: `Bearer ${init.key ?? mine.apiKey}` }),
        ...init.headers,
      },
      body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });

  const counts = async () => {
    const db = beckon.store.db.kysely;
    const n = async (table: 'subscribers' | 'campaigns' | 'notifications' | 'jobs' | 'sites') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      subscribers: await n('subscribers'),
      campaigns: await n('campaigns'),
      notifications: await n('notifications'),
      jobs: await n('jobs'),
      sites: await n('sites'),
    };
  };

  beforeAll(async () => {
    beckon = await createBeckon(
      loadConfig(
        withSecretKey({
          BECKON_DATABASE_URL: database.url,
          BECKON_PUSH_ORIGINS_ALLOW: PUSH_ORIGIN,
        }),
      ),
    );
    mine = await initWorkspace(beckon.store, { origins: [PAGE_ORIGIN] }, Date.now());
    theirs = await initWorkspace(beckon.store, { origins: ['https://other.example'] }, Date.now());
    const res = await call('/v1/campaigns', {
      body: { name: 'Welcome', messages: [{ title: 'Hi', body: 'Hello' }] },
    });
    expect(res.status).toBe(201);
    campaignId = ((await res.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  async function expectProblem(res: Response, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at /); // never a stack trace
    return body;
  }

  it('answers junk JSON with 400 and changes nothing', async () => {
    const before = await counts();
    await expectProblem(await call('/v1/campaigns', { raw: '{"name": "x", ' }), 400);
    await expectProblem(
      await call(`/v1/sites/${mine.siteKey}/subscriptions`, { raw: 'not json', key: '' }),
      400,
    );
    expect(await counts()).toEqual(before);
  });

  it('lists each missing field of a campaign in errors', async () => {
    const body = await expectProblem(
      await call('/v1/campaigns', { body: { messages: [{}] } }),
      400,
    );
    const paths = (body.errors as Array<{ path: string }>).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'messages.0.title']));
  });

  it('refuses a notification whose payload would exceed 4096 encrypted bytes with 413', async () => {
    const before = await counts();
    const res = await call('/v1/notifications', {
      body: { campaignId, override: { body: 'é'.repeat(2500) }, target: { externalIds: ['u1'] } },
    });
    await expectProblem(res, 413);
    expect(await counts()).toEqual(before);
  });

  it('accepts a payload just under the limit', async () => {
    const res = await call('/v1/notifications', {
      body: { campaignId, override: { body: 'x'.repeat(2800) }, target: { externalIds: ['u1'] } },
    });
    expect(res.status).toBe(202);
  });

  it('refuses a target without a selector, and a bad timestamp offset', async () => {
    await expectProblem(await call('/v1/notifications', { body: { campaignId, target: {} } }), 400);
    const res = await call('/v1/notifications', {
      body: { campaignId, target: { all: true }, sendAt: '2030-01-01T10:00:00+02:00' },
    });
    const body = await expectProblem(res, 400);
    expect(JSON.stringify(body.errors)).toContain('sendAt');
  });

  it('refuses subscription endpoints on private networks and unknown hosts', async () => {
    const before = await counts();
    for (const endpoint of [
      'http://192.168.1.20/push',
      'http://10.0.0.5:8080/x',
      'https://evil.example/push',
      'http://127.0.0.1:9999/push/x',
    ]) {
      const res = await call(`/v1/sites/${mine.siteKey}/subscriptions`, {
        key: '',
        body: { subscription: subscription(endpoint) },
      });
      const body = await expectProblem(res, 400);
      expect(body.errors).toEqual([{ path: 'subscription.endpoint', message: expect.any(String) }]);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses malformed subscription keys', async () => {
    const res = await call(`/v1/sites/${mine.siteKey}/subscriptions`, {
      key: '',
      body: { subscription: { endpoint: `${PUSH_ORIGIN}/push/k`, keys: { p256dh: 'abc', auth } } },
    });
    await expectProblem(res, 400);
  });

  it('refuses a 65-byte p256dh that is not a point on P-256, naming its path, and stores nothing', async () => {
    const before = await counts();
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
    const res = await call(`/v1/sites/${mine.siteKey}/subscriptions`, {
      key: '',
      body: {
        subscription: { endpoint: `${PUSH_ORIGIN}/push/oc`, keys: { p256dh: offCurve, auth } },
      },
    });
    const problem = await expectProblem(res, 400);
    expect(problem.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'subscription.keys.p256dh' })]),
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses an auth secret that is not exactly 16 bytes, naming its path', async () => {
    for (const bad of [Buffer.alloc(15, 1), Buffer.alloc(17, 1), Buffer.alloc(4096, 1)]) {
      const res = await call(`/v1/sites/${mine.siteKey}/subscriptions`, {
        key: '',
        body: {
          subscription: {
            endpoint: `${PUSH_ORIGIN}/push/au`,
            keys: { p256dh, auth: bad.toString('base64url') },
          },
        },
      });
      const problem = await expectProblem(res, 400);
      expect(problem.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'subscription.keys.auth' })]),
      );
    }
  });

  it('accepts a subscription whose keys are a real P-256 point and a 16-byte secret (201)', async () => {
    const res = await call(`/v1/sites/${mine.siteKey}/subscriptions`, {
      key: '',
      body: { subscription: subscription(`${PUSH_ORIGIN}/push/valid-keys`) },
    });
    expect(res.status).toBe(201);
  });

  it('answers a missing or wrong API key with 401', async () => {
    await expectProblem(await call('/v1/campaigns', { key: '' }), 401);
    await expectProblem(await call('/v1/campaigns', { key: 'bk_wrong' }), 401);
  });

  it('never shows one workspace the data of another (404)', async () => {
    const before = await counts();
    const foreign = { key: theirs.apiKey };
    await expectProblem(await call(`/v1/campaigns/${campaignId}`, foreign), 404);
    await expectProblem(await call(`/v1/campaigns/${campaignId}/stats`, foreign), 404);
    await expectProblem(await call(`/v1/sites/${mine.siteId}`, foreign), 404);
    await expectProblem(
      await call(`/v1/sites/${mine.siteId}`, {
        ...foreign,
        method: 'PATCH',
        body: { name: 'stolen' },
      }),
      404,
    );
    await expectProblem(
      await call('/v1/notifications', { ...foreign, body: { campaignId, target: { all: true } } }),
      404,
    );
    const sub = await call(`/v1/sites/${mine.siteKey}/subscriptions`, {
      key: '',
      body: { subscription: subscription(`${PUSH_ORIGIN}/push/iso`) },
    });
    const { subscriberId } = (await sub.json()) as { subscriberId: string };
    await expectProblem(await call(`/v1/subscribers/${subscriberId}`, foreign), 404);
    await expectProblem(
      await call(`/v1/subscribers/${subscriberId}`, { ...foreign, method: 'DELETE' }),
      404,
    );
    const list = (await (await call('/v1/subscribers', foreign)).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
    const site = (await (await call(`/v1/sites/${mine.siteId}`)).json()) as { name: string };
    expect(site.name).not.toBe('stolen');
    expect((await counts()).subscribers).toBe(before.subscribers + 1);
  });

  it('answers CORS only for the site origins', async () => {
    const ok = await call(`/v1/sites/${mine.siteKey}/config`, {
      key: '',
      headers: { origin: PAGE_ORIGIN },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    const preflight = await call(`/v1/sites/${mine.siteKey}/receipts`, {
      key: '',
      method: 'OPTIONS',
      headers: { origin: PAGE_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const foreign = await call(`/v1/sites/${mine.siteKey}/config`, {
      key: '',
      headers: { origin: 'https://evil.example' },
    });
    await expectProblem(foreign, 403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an unknown site key with 404', async () => {
    await expectProblem(await call('/v1/sites/pk_nope/config', { key: '' }), 404);
  });

  it('never returns a VAPID private key', async () => {
    const text = await (await call(`/v1/sites/${mine.siteId}`)).text();
    const site = await beckon.store.sites.get(
      (await beckon.store.workspaces.findByApiKey(mine.apiKey))!.id,
      mine.siteId,
    );
    expect(text).not.toContain(site!.vapidPrivateKey);
    expect(JSON.parse(text)).toMatchObject({
      siteKey: mine.siteKey,
      vapidPublicKey: mine.vapidPublicKey,
    });
  });

  it('serves an OpenAPI document that names every route', async () => {
    const doc = (await (await call('/openapi.json', { key: '' })).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/notifications',
        '/v1/sites/{siteKey}/subscriptions',
        '/v1/campaigns/{id}/stats',
        '/v1/audiences/{id}/members',
        '/v1/triggers/{id}',
        '/v1/users/{externalId}',
        '/v1/batch',
      ]),
    );
  });
});
