import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { ASSETS, createBeckon, type Beckon } from '../main.ts';
import { initWorkspace, type InitResult } from '../workspace-setup.ts';
import { createApp } from './app.ts';

const ORIGIN = 'https://shop.example';

/** The public gate's rate limits, through app.request() (the limiter is plain HTTP-layer logic). */
describe('public endpoint rate limits', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let site: InitResult;
  let now = 1_000_000;

  beforeAll(async () => {
    beckon = await createBeckon(loadConfig({ BECKON_DATABASE_URL: database.url }));
    site = await initWorkspace(beckon.store, { origins: [ORIGIN] }, Date.now());
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  /** A fresh app (fresh buckets) allowing `perIp` requests a minute per client. */
  const appWith = (perIp: number, trustProxy = 0) =>
    createApp({
      store: beckon.store,
      clock: () => now,
      wake: () => undefined,
      pushOriginsAllow: [],
      rateLimit: { perIpPerMinute: perIp, perSitePerMinute: 1_000 },
      trustProxy,
      assets: ASSETS,
      log: () => undefined,
    });

  const preflight = (headers: Record<string, string> = {}) => ({
    method: 'OPTIONS',
    headers: { origin: ORIGIN, 'access-control-request-method': 'POST', ...headers },
  });

  it('counts unknown site keys per IP and answers 429 with Retry-After once over', async () => {
    const app = appWith(3);
    for (let i = 0; i < 3; i++) {
      expect((await app.request(`/v1/sites/made-up-${i}/config`)).status).toBe(404);
    }
    const res = await app.request('/v1/sites/made-up-9/config');
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Over for this IP on a real site too: the budget is the client's, not the key's.
    expect((await app.request(`/v1/sites/${site.siteKey}/config`)).status).toBe(429);
  });

  it('counts preflights and answers 429 once over, with Retry-After in seconds', async () => {
    const app = appWith(2);
    const path = `/v1/sites/${site.siteKey}/events`;
    expect((await app.request(path, preflight())).status).toBe(204);
    expect((await app.request(path, preflight())).status).toBe(204);
    const res = await app.request(path, preflight());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30'); // 2 a minute: one back in 30 s
    now += 30_000;
    expect((await app.request(path, preflight())).status).toBe(204);
  });

  it('ignores X-Forwarded-For by default, so a client cannot rotate its IP', async () => {
    const app = appWith(2);
    const path = `/v1/sites/${site.siteKey}/config`;
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.request(path, { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('behind a trusted proxy limits per forwarded client, IPv6 per /64', async () => {
    const app = appWith(1, 1);
    const path = `/v1/sites/${site.siteKey}/config`;
    const from = (xff: string) => app.request(path, { headers: { 'x-forwarded-for': xff } });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
    expect((await from('spoofed, 203.0.113.1')).status).toBe(429); // left entries are the client's
    expect((await from('203.0.113.2')).status).toBe(200);
    expect((await from('2001:db8:7:7::1')).status).toBe(200);
    expect((await from('2001:db8:7:7:ffff::2')).status).toBe(429); // same /64
    expect((await from('2001:db8:7:8::1')).status).toBe(200);
    expect((await from('::ffff:203.0.113.2')).status).toBe(429); // mapped = the IPv4 address
  });
});
