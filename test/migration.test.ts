import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  pushed,
  type LocalPushService,
} from './support/push-service/index.ts';

/**
 * Moving from another push vendor (API.md "Migration"): the site keeps its VAPID key pair, its
 * subscribers are imported from a file, and they receive — and decrypt — pushes signed with
 * the imported key, without subscribing again.
 */
describe.each(DIALECTS)('migration from another push vendor on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;

  const api = async <T>(path: string, init: Parameters<TestBeckon['api']>[1], status: number) => {
    const res = await beckon.api(path, init);
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as T;
  };
  const importFile = (siteId: string, body: string, type = 'application/x-ndjson') =>
    fetch(`${beckon.url}/v1/sites/${siteId}/subscriptions/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${beckon.apiKey}`, 'content-type': type },
      body,
    });
  type JobJson = {
    status: string;
    progress: { done: number; total: number };
    result?: Record<string, unknown>;
  };
  const finished = (jobId: string) =>
    eventually(
      async () => {
        const job = await api<JobJson>(`/v1/jobs/${jobId}`, {}, 200);
        return job.status === 'succeeded' || job.status === 'failed' ? job : undefined;
      },
      { what: `job ${jobId}`, timeoutMs: 30_000 },
    );

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin] });
  });
  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  it('keeps the imported key pair, imports NDJSON, and the subscribers decrypt a push signed with that key', async () => {
    const keys = webpush.generateVAPIDKeys();
    const site = await api<{ id: string; vapidPublicKey: string }>(
      '/v1/sites',
      {
        body: {
          name: 'Moved shop',
          categories: [{ id: 'deals', label: 'Deals' }],
          vapidPublicKey: keys.publicKey,
          vapidPrivateKey: keys.privateKey,
        },
      },
      201,
    );
    expect(site.vapidPublicKey).toBe(keys.publicKey);

    const [ann, bob, cat] = [
      push.createSubscriber(),
      push.createSubscriber(),
      push.createSubscriber(),
    ];
    const line = (s: typeof ann, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ endpoint: s.endpoint, keys: s.keys, ...extra });
    const file = [
      line(ann, {
        externalId: 'ann',
        categories: ['deals'],
        language: 'de',
        createdAt: '2024-05-01T10:00:00Z',
      }),
      line(bob, { timezone: 'Europe/Berlin' }),
      '',
      '{"endpoint": "https://evil.example/push/1", "keys": {"p256dh": "x", "auth": "y"}}',
      'not json at all',
      line(cat, { categories: ['nope'] }),
      line(bob, { externalId: 'bob' }), // the same endpoint again: merged into bob's record
    ].join('\n');
    expect((await importFile('site_nope', file)).status).toBe(404);
    const res = await importFile(site.id, file);
    expect(res.status).toBe(202);
    const job = await finished(((await res.json()) as { jobId: string }).jobId);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { done: 5, total: 5 },
      result: { imported: 2, updated: 0, invalid: 3, merged: 1 },
    });
    const errors = (job.result as { errors: Array<{ line: number; message: string }> }).errors;
    expect(errors.map((e) => e.line)).toEqual([4, 5, 6]);
    expect(errors[0]!.message).toMatch(/endpoint|p256dh/);
    expect(errors[2]!.message).toMatch(/unknown nope/);

    const subscribers = await api<{ data: Array<Record<string, unknown>> }>(
      `/v1/subscribers?siteId=${site.id}`,
      {},
      200,
    );
    const byEndpoint = new Map(subscribers.data.map((s) => [s.endpoint, s]));
    expect(byEndpoint.get(ann.endpoint)).toMatchObject({
      externalId: 'ann',
      categories: ['deals'],
      language: 'de',
      createdAt: '2024-05-01T10:00:00.000Z',
    });
    expect(byEndpoint.get(bob.endpoint)).toMatchObject({
      externalId: 'bob',
      timezone: 'Europe/Berlin',
    });
    expect(byEndpoint.has(cat.endpoint)).toBe(false);

    const campaign = await api<{ id: string }>(
      '/v1/campaigns',
      { body: { name: 'Hello again', messages: [{ id: 'm', title: 'Still here' }] } },
      201,
    );
    await api(
      '/v1/notifications',
      { body: { campaignId: campaign.id, target: { siteIds: [site.id] } } },
      202,
    );
    const messages = await push.waitForMessages(2);
    expect(messages.map((m) => m.endpoint).sort()).toEqual([ann.endpoint, bob.endpoint].sort());
    for (const m of messages) {
      expect(m.decrypted).toBe(true);
      expect(pushed(m.payload).title).toBe('Still here');
      // Signed with the key pair the site brought along (RFC 8292 k=).
      expect(m.vapid.publicKey).toBe(keys.publicKey);
    }
  });

  it('updates known endpoints from a JSON array and refuses a mismatched key pair', async () => {
    const s = push.createSubscriber();
    const body = JSON.stringify([{ endpoint: s.endpoint, keys: s.keys }]);
    const first = await importFile(beckon.siteId, body, 'application/json');
    expect(first.status).toBe(202);
    await finished(((await first.json()) as { jobId: string }).jobId);
    const again = await importFile(
      beckon.siteId,
      JSON.stringify([{ endpoint: s.endpoint, keys: s.keys, language: 'fr' }]),
      'application/json',
    );
    const job = await finished(((await again.json()) as { jobId: string }).jobId);
    expect(job.result).toMatchObject({ imported: 0, updated: 1, invalid: 0 });

    const a = webpush.generateVAPIDKeys();
    const b = webpush.generateVAPIDKeys();
    const mismatched = await beckon.api('/v1/sites', {
      body: { name: 'Bad keys', vapidPublicKey: a.publicKey, vapidPrivateKey: b.privateKey },
    });
    expect(mismatched.status).toBe(400);
    expect(await mismatched.text()).toMatch(/vapidPrivateKey/);
    const half = await beckon.api('/v1/sites', {
      body: { name: 'Half', vapidPublicKey: a.publicKey },
    });
    expect(half.status).toBe(400);
  });

  it('refuses a body that is neither NDJSON nor an array, and an empty file', async () => {
    expect((await importFile(beckon.siteId, '{"not": "an array"', 'application/json')).status).toBe(
      202,
    ); // one NDJSON line that is not JSON: a job that counts it invalid
    const obj = await importFile(beckon.siteId, '[1, 2', 'application/json');
    expect(obj.status).toBe(400);
    expect(obj.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await importFile(beckon.siteId, '\n\n')).status).toBe(400);
    expect((await importFile(beckon.siteId, '{"endpoint":"\\u0000"}')).status).toBe(202);
  });
});
