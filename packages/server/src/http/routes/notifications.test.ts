import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../../test/support/databases.ts';
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
