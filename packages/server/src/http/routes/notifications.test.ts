import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, testDatabase, withSecretKey } from '../../../../../test/support/databases.ts';
import { loadConfig } from '../../config.ts';
import { createBeckon, type Beckon } from '../../main.ts';
import { initWorkspace, type InitResult } from '../../workspace-setup.ts';

describe('POST /v1/notifications', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let workspace: InitResult;
  let campaignId: string;

  const send = (body: unknown, headers: Record<string, string> = {}) =>
    beckon.app.request('/v1/notifications', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${workspace.apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const notifications = async () =>
    beckon.store.notifications.list(
      (await beckon.store.workspaces.findByApiKey(workspace.apiKey))!.id,
      {},
      { limit: 100 },
      Date.now(),
    );

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
    workspace = await initWorkspace(
      beckon.store,
      { origins: ['https://shop.example'] },
      Date.now(),
    );
    const res = await beckon.app.request('/v1/campaigns', {
      method: 'POST',
      headers: { authorization: `Bearer ${workspace.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'C', messages: [{ title: 'Hi' }] }),
    });
    campaignId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  it('names each invalid field with its path', async () => {
    const res = await send({ campaignId, target: { all: true }, urgency: 'asap', ttl: -1 });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['ttl', 'urgency']);
  });

  it('answers a repeated Idempotency-Key with the first result, before reading the body', async () => {
    const key = { 'idempotency-key': 'send-once' };
    const first = await send({ campaignId, target: { all: true } }, key);
    expect(first.status).toBe(202);
    const accepted = await first.json();
    const before = (await notifications()).data.length;
    // Not even valid JSON: a repeat is answered from the key alone.
    const repeat = await send('{not json', key);
    expect(repeat.status).toBe(202);
    expect(await repeat.json()).toEqual(accepted);
    expect((await notifications()).data.length).toBe(before);
  });

  it('refuses a target that names no selector, and queues nothing', async () => {
    const before = (await notifications()).data.length;
    const res = await send({ campaignId, target: {} });
    expect(res.status).toBe(400);
    expect((await notifications()).data.length).toBe(before);
  });
});

describe.each(DIALECTS)('GET /v1/notifications/{id} during a fan-out on %s', (dialect) => {
  const database = testDatabase(dialect);
  let beckon: Beckon;
  let workspace: InitResult;

  const api = (path: string, body?: unknown) =>
    beckon.app.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${workspace.apiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    // Workers are not started: the test runs the fan-out itself, at the moment it chooses.
    beckon = await createBeckon(loadConfig(withSecretKey({ BECKON_DATABASE_URL: database.url })));
    const now = Date.now();
    workspace = await initWorkspace(beckon.store, { origins: ['https://shop.example'] }, now);
    const [site] = await beckon.store.sites.getMany([workspace.siteId]);
    await beckon.store.subscribers.upsert(
      {
        workspaceId: site!.workspaceId,
        siteId: workspace.siteId,
        subscription: { endpoint: 'https://push.example/1', keys: { p256dh: 'p', auth: 'a' } },
      },
      now,
    );
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await beckon?.close();
    await database.drop();
  });

  it('never shows a broadcast sent with nothing targeted when its fan-out ends between two reads', async () => {
    const campaign = (await (
      await api('/v1/campaigns', { name: 'C', messages: [{ title: 'Hi' }] })
    ).json()) as { id: string };
    const sent = await api('/v1/notifications', { campaignId: campaign.id, target: { all: true } });
    expect(sent.status).toBe(202);
    const { notificationId } = (await sent.json()) as { notificationId: string };

    // The fan-out commits its delivery and then its job's end while the GET reads: after the
    // counts were read, if they are read first (or beside), and before the job is.
    const { jobs, deliveries } = beckon.store;
    let countsRead!: () => void;
    const counted = new Promise<void>((resolve) => (countsRead = resolve));
    const countsMany = deliveries.countsMany.bind(deliveries);
    const getMany = jobs.getMany.bind(jobs);
    vi.spyOn(deliveries, 'countsMany').mockImplementation(async (ids) => {
      const counts = await countsMany(ids);
      countsRead();
      return counts;
    });
    vi.spyOn(jobs, 'getMany').mockImplementation(async (workspaceId, ids) => {
      // Read alone, the jobs never see the counts read: go on after a moment.
      await Promise.race([counted, new Promise((r) => setTimeout(r, 100))]);
      expect(await beckon.engine.jobRunner.runOnce('bulk')).toBe(true);
      return getMany(workspaceId, ids);
    });

    const res = await api(`/v1/notifications/${notificationId}`);
    expect(res.status).toBe(200);
    const shown = (await res.json()) as { status: string; counts: Record<string, number> };
    // Its one delivery is queued: still sending, not `sent` with none targeted.
    expect(shown).toMatchObject({ status: 'sending', counts: { targeted: 1, pending: 1 } });
  });
});
