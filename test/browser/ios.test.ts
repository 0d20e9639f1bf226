import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/beckon.ts';
import {
  beckonCall,
  startBrowserRig,
  subscribeThroughPrompt,
  type BrowserRig,
  type ShopSite,
} from '../support/browser.ts';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
// iPadOS in desktop mode: a Mac's UA; only its touch points tell it apart.
const IPAD_DESKTOP =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const GUIDANCE =
  'To get notifications, add this site to your Home Screen: tap Share, then Add to Home Screen.';

/** Touch points and a Home Screen launch, as an iPhone or iPad reports them. */
const asIos =
  ({ standalone = false } = {}) =>
  async (page: Page) => {
    await page.addInitScript(
      ([standalone]) => {
        Object.defineProperty(Navigator.prototype, 'maxTouchPoints', { get: () => 5 });
        if (standalone)
          Object.defineProperty(Navigator.prototype, 'standalone', { get: () => true });
      },
      [standalone],
    );
  };

/**
 * iPhone and iPad in Chromium: an iOS UA on a fresh context plus init scripts for the touch
 * points and `navigator.standalone`. In a tab, push cannot work, so the visitor gets "Add to
 * Home Screen" guidance instead of the prompt, once; Declarative Web Push's `window.pushManager`
 * subscribes without a worker.
 */
describe('iPhone and iPad in Chromium', () => {
  let rig: BrowserRig;

  beforeAll(async () => {
    rig = await startBrowserRig();
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  async function pageViews(shop: ShopSite, count: number) {
    await eventually(
      async () => {
        const rows = await rig.beckon.store.db.kysely
          .selectFrom('events')
          .select('id')
          .where('site_id', '=', shop.id)
          .where('type', '=', 'page')
          .execute();
        return rows.length >= count;
      },
      { what: `${count} page view(s) on ${shop.siteKey}` },
    );
  }

  it('shows an iPhone tab the Home Screen guidance instead of the prompt, once', async () => {
    const shop = await rig.createSite({ prompt: { trigger: 'delay', delaySeconds: 0 } });
    const { page } = await rig.open(shop, { userAgent: IPHONE, beforeLoad: asIos() });

    const dialog = page.getByRole('dialog', { name: 'Get notified' });
    await dialog.waitFor({ timeout: 5_000 });
    expect(await dialog.textContent()).toContain(GUIDANCE);
    expect(await page.getByRole('button', { name: 'Allow' }).count()).toBe(0);
    // Focus moved into it; Escape closes it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // The next page: no guidance on its own again (the timer would have fired at once).
    await page.reload();
    await pageViews(shop, 2);
    await page.waitForTimeout(500);
    expect(await page.getByRole('dialog').count()).toBe(0);

    // The site's own "Get notifications" button still explains, every time.
    await beckonCall(page, 'prompt');
    await dialog.waitFor({ timeout: 5_000 });
    await page.getByRole('button', { name: 'OK' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('sees an iPad in desktop mode by its touch points, in the visitor language', async () => {
    const shop = await rig.createSite({
      prompt: {
        trigger: 'delay',
        delaySeconds: 0,
        translations: { de: { title: 'Benachrichtigungen', iosGuidance: 'Zum Home-Bildschirm!' } },
      },
    });
    const { page } = await rig.open(shop, {
      userAgent: IPAD_DESKTOP,
      locale: 'de-DE',
      beforeLoad: asIos(),
    });
    const dialog = page.getByRole('dialog', { name: 'Benachrichtigungen' });
    await dialog.waitFor({ timeout: 5_000 });
    expect(await dialog.textContent()).toContain('Zum Home-Bildschirm!');
  });

  it('shows no guidance when the site turned it off, and the prompt in a Home Screen web app', async () => {
    const off = await rig.createSite({
      prompt: { trigger: 'delay', delaySeconds: 0, iosGuidance: false },
    });
    const { page } = await rig.open(off, { userAgent: IPHONE, beforeLoad: asIos() });
    await pageViews(off, 1);
    await page.waitForTimeout(500);
    expect(await page.getByRole('dialog').count()).toBe(0);

    const shop = await rig.createSite({ prompt: { trigger: 'delay', delaySeconds: 0 } });
    const app = await rig.open(shop, {
      userAgent: IPHONE,
      beforeLoad: asIos({ standalone: true }),
    });
    await app.page.getByRole('button', { name: 'Allow' }).waitFor({ timeout: 5_000 });
    expect(await app.page.getByText(GUIDANCE).count()).toBe(0);
  });

  it('refuses a non-boolean iosGuidance and an overlong translated guidance', async () => {
    for (const prompt of [
      { iosGuidance: 'yes' },
      { translations: { de: { iosGuidance: 'x'.repeat(301) } } },
    ]) {
      const res = await rig.beckon.api('/v1/sites', {
        body: { name: 'Bad', origins: [rig.site.origin], prompt },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('subscribes through window.pushManager (Declarative Web Push) without a worker', async () => {
    const shop = await rig.createSite();
    const { page, subscriber } = await rig.open(shop, {
      beforeLoad: async (page) => {
        await page.addInitScript(() => {
          // The test push stub's PushManager, on the window as Safari 18.4+ web apps have it.
          const own = Object.create(PushManager.prototype) as PushManager & { stubScope: string };
          own.stubScope = 'window';
          Object.defineProperty(window, 'pushManager', { value: own });
        });
      },
    });
    const subscriberId = await subscribeThroughPrompt(page);

    expect(
      await page.evaluate(() => (window as unknown as { pushStubScopes: string[] }).pushStubScopes),
    ).toEqual(['window']);
    expect(
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length),
    ).toBe(0);
    const res = await rig.beckon.api(`/v1/subscribers?siteId=${shop.id}`);
    const { data } = (await res.json()) as { data: { id: string; endpoint: string }[] };
    expect(data).toEqual([
      expect.objectContaining({ id: subscriberId, endpoint: subscriber.endpoint }),
    ]);

    // The next page finds the subscription on the window, not a worker: nothing to renew.
    await page.reload();
    await pageViews(shop, 2);
    await page.waitForTimeout(300);
    const again = await rig.beckon.api(`/v1/subscribers?siteId=${shop.id}`);
    expect(((await again.json()) as { data: unknown[] }).data).toHaveLength(1);
  });
});
