import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../test/support/databases.ts';
import { loadConfig } from '../config.ts';
import { ASSETS, createBeckon, type Beckon } from '../main.ts';
import { initWorkspace, type InitResult } from '../workspace-setup.ts';
import { createApp } from './app.ts';
import { parsePrometheus } from '../../../../test/support/prometheus.ts';
import { bearerMatches } from './metrics.ts';

const TOKEN = 'scrape-token-0123456789';

describe('GET /metrics', () => {
  const database = testDatabase('sqlite');
  let beckon: Beckon;
  let site: InitResult;

  beforeAll(async () => {
    beckon = await createBeckon(
      loadConfig({ BECKON_DATABASE_URL: database.url, BECKON_METRICS_TOKEN: TOKEN }),
    );
    site = await initWorkspace(beckon.store, { origins: ['https://shop.example'] }, Date.now());
  });
  afterAll(async () => {
    await beckon.close();
    await database.drop();
  });

  const scrape = (authorization?: string) =>
    beckon.app.request('/metrics', { headers: authorization ? { authorization } : {} });

  it('is a 404 when BECKON_METRICS_TOKEN is unset', async () => {
    const app = createApp({
      store: beckon.store,
      clock: Date.now,
      wake: () => undefined,
      pushOriginsAllow: [],
      rateLimit: { perIpPerMinute: 0, perSitePerMinute: 0 },
      assets: ASSETS,
      log: () => undefined,
    });
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('is a 401 without the token, with a wrong one, or with the API key', async () => {
    for (const authorization of [
      undefined,
      'Bearer ',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      `Bearer ${site.apiKey}`,
    ]) {
      const res = await scrape(authorization);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('beckon_');
    }
  });

  it('answers aggregates in Prometheus text with the token', async () => {
    const before = parsePrometheus(await (await scrape(`Bearer ${TOKEN}`)).text());
    const pixel = await beckon.app.request(`/v1/sites/${site.siteKey}/events`, {
      method: 'POST',
      body: JSON.stringify([{ type: 'page' }, { type: 'track', event: 'Viewed' }]),
    });
    expect(pixel.status).toBe(202);
    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const after = parsePrometheus(text);
    expect(after.get('beckon_events_ingested_total')).toBe(
      before.get('beckon_events_ingested_total')! + 2,
    );
    expect(after.get('beckon_queue_depth{lane="deliveries"}')).toBe(0);
    expect(after.get('beckon_queue_depth{lane="jobs"}')).toBeGreaterThanOrEqual(0);
    expect(after.get('beckon_webhook_backlog')).toBe(0);
    expect(after.get('beckon_trigger_runs_waiting')).toBe(0);
    expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(text).not.toContain(site.siteKey);
  });
});

describe('bearerMatches', () => {
  it('matches only the exact token after Bearer', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN} `, TOKEN)).toBe(true);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
  });
});
