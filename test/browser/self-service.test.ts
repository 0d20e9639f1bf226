import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/beckon.ts';
import {
  beckonCall,
  outcomes,
  startBrowserRig,
  subscribeThroughPrompt,
  userHashFor,
  type BrowserRig,
  type ShopSite,
} from '../support/browser.ts';

/**
 * What a visitor can do about their own subscription, and what the snippet notices for them:
 * the topics panel, unsubscribe, reset on logout, a permission taken back in the browser's
 * settings, a lost subscription, asking ever less after "Not now", and a prompt in their
 * language.
 */
describe('visitor self-service in Chromium', () => {
  let rig: BrowserRig;
  const categories = [
    { id: 'deals', label: 'Deals' },
    { id: 'news', label: 'News' },
  ];

  beforeAll(async () => {
    rig = await startBrowserRig();
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  async function subscribersOf(shop: ShopSite) {
    const res = await rig.beckon.api(`/v1/subscribers?siteId=${shop.id}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Array<{ id: string; externalId: string | null }> }).data;
  }
  const noSubscriberLeft = (shop: ShopSite) =>
    eventually(async () => (await subscribersOf(shop)).length === 0, {
      what: 'the subscriber to be gone',
    });
  const browserSubscription = (page: Page) =>
    page.evaluate(() => localStorage.getItem('beckon-test:subscription'));

  it('opens the topics panel for a subscriber, saves topics, and turns notifications off', async () => {
    const shop = await rig.createSite({ categories });
    const { page } = await rig.open(shop);
    await subscribeThroughPrompt(page, ['Deals']);

    await beckonCall(page, 'preferences');
    await page.getByRole('checkbox', { name: 'News' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await outcomes(page, 'subscribed', { count: 2 });
    const [stored] = await subscribersOf(shop);
    expect(stored).toMatchObject({ categories: ['deals', 'news'] });

    await beckonCall(page, 'preferences');
    await page.getByRole('button', { name: 'Turn off notifications' }).click();
    const [ended] = await outcomes(page, 'unsubscribed');
    expect(ended!.data).toEqual({ reason: 'unsubscribed' });
    await noSubscriberLeft(shop);
    expect(await browserSubscription(page)).toBeNull();
  });

  it("ends the subscription with beckon('unsubscribe')", async () => {
    const shop = await rig.createSite({ categories });
    const { page } = await rig.open(shop);
    await subscribeThroughPrompt(page);
    await beckonCall(page, 'unsubscribe');
    await outcomes(page, 'unsubscribed');
    await noSubscriberLeft(shop);
    expect(await browserSubscription(page)).toBeNull();
  });

  it("unlinks the browser from its user on beckon('reset'), keeping the subscription", async () => {
    const shop = await rig.createSite({ categories });
    const { page } = await rig.open(shop);
    await beckonCall(page, 'identify', 'ann', {}, { userHash: userHashFor(shop, 'ann') });
    await subscribeThroughPrompt(page);
    expect((await subscribersOf(shop))[0]!.externalId).toBe('ann');
    const before = await page.evaluate(() => localStorage.getItem('beckon:aid'));

    await beckonCall(page, 'reset');
    await eventually(async () => (await subscribersOf(shop))[0]?.externalId === null, {
      what: 'the subscriber to lose its user',
    });
    expect(await page.evaluate(() => localStorage.getItem('beckon:aid'))).not.toBe(before);
  });

  it('tells the server when the visitor revoked permission in the browser settings', async () => {
    const shop = await rig.createSite({ categories });
    const { context, page } = await rig.open(shop);
    await subscribeThroughPrompt(page);
    // As the browser's site settings do it: this context's permission set to "Block".
    const cdp = await context.newCDPSession(page);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Browser.setPermission', {
      permission: { name: 'notifications' },
      setting: 'denied',
      origin: rig.site.origin,
      browserContextId: targetInfo.browserContextId,
    });

    await page.reload();
    const [ended] = await outcomes(page, 'unsubscribed');
    expect(ended!.data).toEqual({ reason: 'revoked' });
    await noSubscriberLeft(shop);
  });

  it('resubscribes silently when the browser lost the subscription but permission stands', async () => {
    const shop = await rig.createSite({ categories });
    const { page } = await rig.open(shop);
    const subscriberId = await subscribeThroughPrompt(page, ['News']);
    await page.evaluate(() => localStorage.removeItem('beckon-test:subscription'));

    await page.reload();
    const [renewed] = await outcomes(page, 'subscribed');
    // The same subscriber, updated in place, with its topics; no prompt was shown.
    expect(renewed!.data).toEqual({ subscriberId, categories: ['news'] });
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await browserSubscription(page)).not.toBeNull();
  });

  it('asks again after 3, then 7, then 30 days of "Not now"', async () => {
    const shop = await rig.createSite({
      categories,
      prompt: { trigger: 'delay', delaySeconds: 0 },
    });
    const start = new Date('2026-03-01T10:00:00Z').getTime();
    const { page } = await rig.open(shop, {
      beforeLoad: (p) => p.clock.install({ time: start }),
    });
    const dialog = page.getByRole('dialog');
    const shownAfter = async (days: number) => {
      await page.clock.setSystemTime(start + days * 864e5);
      await page.reload();
      // The prompt shows at once (delay 0) or not at all; the page view says the snippet ran.
      await page.waitForFunction(() => document.readyState === 'complete');
      await page.clock.runFor(1_000);
      return (await dialog.count()) === 1;
    };
    await dialog.waitFor({ timeout: 5_000 });
    await page.getByRole('button', { name: 'Not now' }).click(); // 1st, day 0

    expect(await shownAfter(2.9)).toBe(false);
    expect(await shownAfter(3.1)).toBe(true);
    await page.getByRole('button', { name: 'Not now' }).click(); // 2nd, day 3.1
    expect(await shownAfter(10)).toBe(false);
    expect(await shownAfter(10.2)).toBe(true);
    await page.getByRole('button', { name: 'Not now' }).click(); // 3rd, day 10.2
    expect(await shownAfter(40)).toBe(false);
    expect(await shownAfter(40.3)).toBe(true);
  });

  it("shows the prompt in the browser's language when the site has it", async () => {
    const shop = await rig.createSite({
      categories,
      prompt: {
        title: 'Get notified',
        translations: {
          de: {
            title: 'Benachrichtigungen',
            text: 'Wählen Sie Ihre Themen.',
            allow: 'Erlauben',
            dismiss: 'Später',
            categories: { deals: 'Angebote' },
          },
        },
      },
    });
    const { page } = await rig.open(shop, { locale: 'de-DE' });
    await beckonCall(page, 'prompt');
    const dialog = page.getByRole('dialog', { name: 'Benachrichtigungen' });
    await dialog.waitFor({ timeout: 5_000 });
    expect(await page.getByRole('checkbox', { name: 'Angebote' }).count()).toBe(1);
    expect(await page.getByRole('checkbox', { name: 'News' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Erlauben' }).click();
    await outcomes(page, 'subscribed');
    const [stored] = await subscribersOf(shop);
    expect(stored).toMatchObject({ language: 'de-DE' });
  });
});
