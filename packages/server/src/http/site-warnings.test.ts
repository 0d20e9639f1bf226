import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase, withSecretKey } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { createBeckon, type Beckon } from '../main.ts';
import { initWorkspace, type InitResult } from '../workspace-setup.ts';

type SiteBody = { id: string; vapidSubject: string; warnings: Array<Record<string, string>> };

/** Issue 16.8: Apple refuses the placeholder VAPID subject, so a site without a real one says so. */
describe.each(DIALECTS)('VAPID subject warnings on sites on %s', (dialect) => {
  const database = testDatabase(dialect);
  let beckon: Beckon;
  let init: InitResult;

  const call = async (path: string, body?: unknown, method?: string) => {
    const res = await beckon.app.request(path, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as SiteBody & { data: SiteBody[] } };
  };

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig(withSecretKey({ BECKON_DATABASE_URL: database.url })));
    init = await initWorkspace(beckon.store, {}, Date.now());
  });

  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  it('warns on a site created without vapidSubject, on POST, GET and the list', async () => {
    const created = await call('/v1/sites', { name: 'Shop', origins: ['https://shop.com'] });
    expect(created.status).toBe(201);
    expect(created.body.warnings).toEqual([
      expect.objectContaining({ code: 'vapid-subject-placeholder', field: 'vapidSubject' }),
    ]);
    const got = await call(`/v1/sites/${created.body.id}`);
    expect(got.body.warnings).toHaveLength(1);
    const list = await call('/v1/sites');
    expect(list.body.data.find((s) => s.id === created.body.id)?.warnings).toHaveLength(1);
  });

  it('shows no warning once the site has a real subject, and warns again for a reserved domain', async () => {
    const created = await call('/v1/sites', {
      name: 'Real',
      origins: ['https://real.com'],
      vapidSubject: 'mailto:ops@real.com',
    });
    expect(created.body.warnings).toEqual([]);
    const patched = await call(
      `/v1/sites/${created.body.id}`,
      { vapidSubject: 'mailto:ops@real.test' },
      'PATCH',
    );
    expect(patched.status).toBe(200);
    expect(patched.body.warnings).toHaveLength(1);
  });

  it('warns in what init returns when no subject is given, and not when one is', async () => {
    expect(init.warnings).toHaveLength(1);
    const withSubject = await initWorkspace(
      beckon.store,
      { subject: 'https://shop.com/contact' },
      Date.now(),
    );
    expect(withSubject.warnings).toEqual([]);
  });
});
