import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBeckon, type TestBeckon } from '../support/beckon.ts';
import { launchBrowser } from '../support/browser.ts';

/**
 * `/docs` in Chromium with every request off this server refused: the reference must render
 * from Beckon alone (a self-hosted server may have no route to a CDN).
 */
describe('the API reference in Chromium', () => {
  let beckon: TestBeckon;
  let browser: Browser;

  beforeAll(async () => {
    beckon = await startBeckon({ dialect: 'sqlite' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await beckon?.close();
    await beckon?.database.drop();
  });

  it('renders the operations of /openapi.json without asking any other host', async () => {
    const context = await browser.newContext();
    const elsewhere: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(beckon.url)) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    await page.goto(`${beckon.url}/docs`);
    await page.getByText('Liveness: the server answers').first().waitFor({ timeout: 30_000 });
    await page.getByText('Sites', { exact: true }).first().click();
    await page.getByText('Create a site').first().waitFor({ timeout: 10_000 });
    await page.waitForLoadState('networkidle');
    expect(elsewhere).toEqual([]);
    await context.close();
  });
});
