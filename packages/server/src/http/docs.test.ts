import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { createBeckon, type Beckon } from '../main.ts';

describe('GET /docs', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  it('answers an HTML reference of /openapi.json that loads Scalar from Beckon, not a CDN', async () => {
    const res = await beckon.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<script src="/docs/scalar.js">');
    expect(html).toContain('"url": "/openapi.json"');
    expect(html).not.toMatch(/<script src="https?:/);
    expect(html).not.toContain('cdn.jsdelivr.net');
  });

  it("serves Scalar's standalone bundle itself", async () => {
    const res = await beckon.app.request('/docs/scalar.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    const script = await res.text();
    expect(script.length).toBeGreaterThan(1_000_000);
    expect(script).toContain('createApiReference');
  });

  it('needs no API key', async () => {
    expect((await beckon.app.request('/docs', { headers: {} })).status).toBe(200);
  });
});
