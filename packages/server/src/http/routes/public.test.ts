import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../../test/support/databases.ts';
import { loadConfig } from '../../config.ts';
import { createBeckon, type Beckon } from '../../main.ts';
import { initWorkspace, type InitResult } from '../../workspace-setup.ts';

const ORIGIN = 'https://shop.example';

describe('public routes keep their browser behaviour once declared', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let site: InitResult;
  const at = (path: string) => `/v1/sites/${site.siteKey}${path}`;

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
    site = await initWorkspace(beckon.store, { origins: [ORIGIN] }, Date.now());
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  it('answers a preflight from an allowed origin with CORS headers', async () => {
    const res = await beckon.app.request(at('/events'), {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('refuses another origin before reading the body', async () => {
    const res = await beckon.app.request(at('/events'), {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(403);
  });

  it('accepts a sendBeacon body sent as text/plain', async () => {
    const res = await beckon.app.request(at('/events'), {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ type: 'page', anonymousId: 'a-1' }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await res.json()).toEqual({ accepted: 1, unverified: 0 });
  });

  it('answers pixel.gif with a GIF, its JSON properties read from the query', async () => {
    const properties = encodeURIComponent(JSON.stringify({ plan: 'pro' }));
    const res = await beckon.app.request(
      at(`/pixel.gif?type=track&event=Viewed&anonymousId=a-2&properties=${properties}`),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(new Uint8Array(await res.arrayBuffer()).slice(0, 3)).toEqual(
      new Uint8Array([0x47, 0x49, 0x46]),
    );
  });

  it('refuses a NUL in a pixel.gif query with a problem', async () => {
    const res = await beckon.app.request(at('/pixel.gif?anonymousId=a%00b'));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
