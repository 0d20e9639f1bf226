import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { ProblemError, problemResponse } from './problem.ts';
import { DASHBOARD_CSP, dashboardRoutes } from './routes/dashboard.ts';

function appFor(dir: string | undefined) {
  const app = new Hono();
  app.route('/', dashboardRoutes(dir));
  app.onError((error, c) =>
    error instanceof ProblemError ? problemResponse(c, error) : c.text('bug', 500),
  );
  return app;
}

describe('the dashboard files', () => {
  const dist = mkdtempSync(join(tmpdir(), 'beckon-dash-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Beckon</title>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
  writeFileSync(join(dist, '..', 'beckon-secret.txt'), 'outside');
  const app = appFor(dist);
  afterAll(() => {
    rmSync(dist, { recursive: true, force: true });
    rmSync(join(dist, '..', 'beckon-secret.txt'), { force: true });
  });

  it('serves index.html at /dashboard with a strict CSP and no caching', async () => {
    const res = await app.request('/dashboard');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(DASHBOARD_CSP).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('falls back to index.html for the app routes the browser handles', async () => {
    for (const path of [
      '/dashboard/',
      '/dashboard/campaigns/cmp_1',
      '/dashboard/set-password?token=x',
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('<title>Beckon</title>');
    }
  });

  it('caches hashed assets for a year and other files not at all', async () => {
    const asset = await app.request('/dashboard/assets/index-abc123.js');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const icon = await app.request('/dashboard/favicon.svg');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing file with a 404 problem, not the page', async () => {
    const res = await app.request('/dashboard/assets/gone-000.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('never serves a file outside the build', async () => {
    for (const path of [
      '/dashboard/../beckon-secret.txt',
      '/dashboard/%2e%2e/beckon-secret.txt',
      '/dashboard/..%2fbeckon-secret.txt',
      '/dashboard/%E0%A4%A',
      '/dashboard/a%00.js',
    ]) {
      const res = await app.request(path);
      expect(await res.text(), path).not.toContain('outside');
      expect(res.status, path).toBeLessThan(500);
    }
  });

  it('says clearly when the dashboard is not built', async () => {
    for (const dir of [undefined, join(dist, 'nope')]) {
      const res = await appFor(dir).request('/dashboard');
      expect(res.status).toBe(404);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/not built/);
    }
  });

  it('redirects / to /dashboard', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/dashboard');
  });
});
