import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../../test/support/databases.ts';
import { loadConfig } from '../../config.ts';
import { createBeckon, type Beckon } from '../../main.ts';
import { initWorkspace, type InitResult } from '../../workspace-setup.ts';

describe('POST /v1/triggers validation', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let workspace: InitResult;
  let campaignId: string;

  const post = (path: string, body: unknown) =>
    beckon.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${workspace.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const trigger = (send: Record<string, unknown>) => ({
    name: 'Cart',
    on: { event: 'Cart Updated' },
    steps: [{ wait: 'PT1H' }, { send: { campaignId, ...send } }],
  });

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
    workspace = await initWorkspace(
      beckon.store,
      { origins: ['https://shop.example'] },
      Date.now(),
    );
    const res = await post('/v1/campaigns', { name: 'C', messages: [{ title: 'Hi' }] });
    campaignId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  it.each(['javascript:alert(1)', 'data:text/html,hi', '//evil.example/x'])(
    'refuses a send step whose override url is %s, and stores nothing',
    async (url) => {
      const res = await post('/v1/triggers', trigger({ override: { url } }));
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { errors: Array<{ path: string }> };
      expect(problem.errors.map((e) => e.path)).toContain('steps.1.send.override.url');
      const workspaceId = (await beckon.store.workspaces.findByApiKey(workspace.apiKey))!.id;
      expect(await beckon.store.triggers.list(workspaceId)).toEqual([]);
    },
  );

  it('refuses the same override url on a direct send (one schema for both)', async () => {
    const res = await post('/v1/notifications', {
      campaignId,
      target: { all: true },
      override: { url: 'javascript:alert(1)' },
    });
    expect(res.status).toBe(400);
  });

  it('refuses an urgency RFC 8030 does not name', async () => {
    const res = await post('/v1/triggers', trigger({ urgency: 'urgent' }));
    expect(res.status).toBe(400);
  });

  it('accepts an https override url and a path', async () => {
    for (const url of ['https://shop.example/cart', '/cart?from={{properties.source}}']) {
      const res = await post('/v1/triggers', trigger({ override: { url }, urgency: 'high' }));
      expect(res.status).toBe(201);
    }
  });
});
