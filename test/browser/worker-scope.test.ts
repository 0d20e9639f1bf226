import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/beckon.ts';
import {
  beckonCall,
  outcomes,
  startBrowserRig,
  type BrowserRig,
  type ShopSite,
} from '../support/browser.ts';

/**
 * Issue 16.9: Beckon's worker on a scope of its own (`data-sw="/push/beckon-sw.js"`, scope
 * `/push/`), beside a site's own worker at `/`. `navigator.serviceWorker.ready` waits for a
 * worker controlling this page, which Beckon's never is here, so the snippet must subscribe on
 * the registration it made.
 */
describe("Beckon's worker beside the site's own, in Chromium", () => {
  let rig: BrowserRig;
  let shop: ShopSite;

  beforeAll(async () => {
    rig = await startBrowserRig();
    shop = await rig.createSite({ categories: [{ id: 'news', label: 'Shop news' }] });
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  async function subscribersOf(site: ShopSite) {
    const res = await rig.beckon.api(`/v1/subscribers?siteId=${site.id}`);
    return ((await res.json()) as { data: Array<{ id: string; endpoint: string }> }).data;
  }

  it("subscribes on Beckon's registration at /push/ while the site's worker at / keeps the page", async () => {
    const { page, subscriber } = await rig.open(shop, {
      swPath: '/push/beckon-sw.js',
      siteWorker: true,
    });
    // The site's worker has taken the page before the visitor meets the prompt.
    await eventually(
      () =>
        page.evaluate(() => navigator.serviceWorker.controller?.scriptURL.endsWith('/site-sw.js')),
      { what: "the site's own worker to control the page" },
    );
    await beckonCall(page, 'prompt');
    await page.getByRole('checkbox', { name: 'Shop news' }).check();
    await page.getByRole('button', { name: 'Allow' }).click();

    // Before the fix this was an 'error' event ("Service worker not ready") after 10 s.
    const [subscribed] = await outcomes(page, 'subscribed');
    const { subscriberId } = subscribed!.data as { subscriberId: string };
    expect(
      await page.evaluate(() => (window as unknown as { pushStubScopes: string[] }).pushStubScopes),
    ).toEqual([`${rig.site.origin}/push/`]);
    const registrations = await page.evaluate(async () =>
      (await navigator.serviceWorker.getRegistrations())
        .map((r) => ({ scope: r.scope, script: r.active?.scriptURL ?? '' }))
        .sort((a, b) => a.scope.localeCompare(b.scope)),
    );
    expect(registrations).toEqual([
      { scope: `${rig.site.origin}/`, script: `${rig.site.origin}/site-sw.js` },
      {
        scope: `${rig.site.origin}/push/`,
        script: expect.stringContaining(`${rig.site.origin}/push/beckon-sw.js?`),
      },
    ]);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(
      `${rig.site.origin}/site-sw.js`,
    );
    const stored = await subscribersOf(shop);
    expect(stored.find((s) => s.id === subscriberId)?.endpoint).toBe(subscriber.endpoint);
  });

  it('subscribes with data-sw in a sub-folder and no other worker on the site', async () => {
    const other = await rig.createSite();
    const { page, subscriber } = await rig.open(other, { swPath: '/push/beckon-sw.js' });
    await beckonCall(page, 'prompt');
    await page.getByRole('button', { name: 'Allow' }).click();
    const [subscribed] = await outcomes(page, 'subscribed');
    const events = await page.evaluate(
      () => (window as unknown as { beckonEvents: Array<{ name: string }> }).beckonEvents,
    );
    expect(events.filter((e) => e.name === 'error')).toEqual([]);
    const { subscriberId } = subscribed!.data as { subscriberId: string };
    const [stored] = await subscribersOf(other);
    expect(stored).toMatchObject({ id: subscriberId, endpoint: subscriber.endpoint });
  });
});
