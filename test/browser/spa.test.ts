import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/beckon.ts';
import { beckonCall, startBrowserRig, type BrowserRig, type ShopSite } from '../support/browser.ts';

/**
 * A single-page shop: its router changes the URL with `history.pushState`, back/forward fire
 * `popstate`, and no page loads. Each navigation is a page view, as on a classic site.
 */
describe('page views of a single-page app in Chromium', () => {
  let rig: BrowserRig;

  beforeAll(async () => {
    rig = await startBrowserRig();
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  async function pageViews(shop: ShopSite) {
    const rows = await rig.beckon.store.db.kysely
      .selectFrom('events')
      .select('properties')
      .where('site_id', '=', shop.id)
      .where('type', '=', 'page')
      .orderBy('occurred_at')
      .orderBy('received_at')
      .execute();
    return rows.map(
      (r) => JSON.parse(r.properties) as { path: string; title: string; referrer: string },
    );
  }

  /** What a router does on a link click: push the URL, then render and set the title. */
  const navigate = (page: import('playwright-core').Page, path: string, title: string) =>
    page.evaluate(
      ({ path, title }) => {
        history.pushState({}, '', path);
        document.title = title;
      },
      { path, title },
    );

  it('records a page view for each pushState and back navigation, with the previous URL as referrer', async () => {
    const shop = await rig.createSite();
    const { page } = await rig.open(shop);
    await eventually(async () => (await pageViews(shop)).length === 1, { what: 'the first view' });

    await navigate(page, '/products/42', 'Blue mug');
    await navigate(page, '/products/42#reviews', 'Blue mug'); // same page, another anchor
    await page.evaluate(() => history.replaceState({ scroll: 1 }, '')); // state only
    await page.goBack(); // to /products/42 — the hash entry
    await page.goBack(); // to /
    await beckonCall(page, 'track', 'Flushed'); // a marker after the navigations

    const views = await eventually(
      async () => {
        const v = await pageViews(shop);
        return v.length >= 3 ? v : undefined;
      },
      { what: 'three page views' },
    );
    expect(views.map((v) => v.path)).toEqual(['/', '/products/42', '/']);
    expect(views[1]).toMatchObject({
      title: 'Blue mug',
      referrer: `${rig.site.origin}/?site=${shop.siteKey}&recipe=copy`,
    });
    expect(views[2]!.referrer).toBe(`${rig.site.origin}/products/42`);
  });

  it('records only the loaded page with data-spa="off"', async () => {
    const shop = await rig.createSite();
    const { page } = await rig.open(shop, { spaOff: true });
    await navigate(page, '/products/7', 'Red mug');
    await beckonCall(page, 'track', 'Marker');
    await eventually(
      async () => {
        const rows = await rig.beckon.store.db.kysely
          .selectFrom('events')
          .select('id')
          .where('site_id', '=', shop.id)
          .where('name', '=', 'Marker')
          .execute();
        return rows.length === 1;
      },
      { what: 'the marker event' },
    );
    expect((await pageViews(shop)).map((v) => v.path)).toEqual(['/']);
  });
});
