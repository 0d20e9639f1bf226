import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../../test/support/databases.ts';
import { loadConfig } from '../../config.ts';
import { createBeckon, type Beckon } from '../../main.ts';
import { initWorkspace, type InitResult } from '../../workspace-setup.ts';

describe('GET /v1/subscribers validation', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let workspace: InitResult;

  const get = (path: string) =>
    beckon.app.request(path, { headers: { authorization: `Bearer ${workspace.apiKey}` } });

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
    workspace = await initWorkspace(
      beckon.store,
      { origins: ['https://shop.example'] },
      Date.now(),
    );
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  it.each(['limit=0', 'limit=501', 'limit=ten'])(
    'refuses ?%s with a problem naming limit',
    async (q) => {
      const res = await get(`/v1/subscribers?${q}`);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { errors: Array<{ path: string }> };
      expect(problem.errors.map((e) => e.path)).toEqual(['limit']);
    },
  );

  it('answers an empty page with no cursor', async () => {
    const res = await get('/v1/subscribers?limit=5');
    expect(await res.json()).toEqual({ data: [], nextCursor: null });
  });

  it('is a 404 for an audience that is not the workspace’s', async () => {
    expect((await get('/v1/subscribers?audienceId=aud_nope')).status).toBe(404);
  });

  it('is a 400 for an id longer than any id, and a 404 for an unknown one', async () => {
    expect((await get(`/v1/subscribers/${'x'.repeat(300)}`)).status).toBe(400);
    expect((await get('/v1/subscribers/sub_nope')).status).toBe(404);
  });
});
