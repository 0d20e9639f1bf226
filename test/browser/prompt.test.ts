import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/beckon.ts';
import {
  beckonCall,
  outcomes,
  startBrowserRig,
  subscribeThroughPrompt,
  type BrowserRig,
  type ShopSite,
} from '../support/browser.ts';

/**
 * The soft prompt in real Chromium, as a visitor and a screen reader meet it: when it shows,
 * what it says, how the keyboard drives it, and what "Allow" stores on the server.
 */
describe('the opt-in prompt in Chromium', () => {
  let rig: BrowserRig;
  const categories = [
    { id: 'deals', label: 'Deals and discounts', default: true },
    { id: 'restock', label: 'Back in stock' },
    { id: 'news', label: 'Shop news' },
  ];

  beforeAll(async () => {
    rig = await startBrowserRig();
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  type SubscriberJson = {
    id: string;
    endpoint: string;
    categories: string[];
    timezone: string | null;
    language: string | null;
    anonymousId: string | null;
  };
  async function subscribersOf(shop: ShopSite) {
    const res = await rig.beckon.api(`/v1/subscribers?siteId=${shop.id}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: SubscriberJson[] }).data;
  }

  /** The page view has reached the server: the snippet has run and read the site's config. */
  async function pageViewRecorded(shop: ShopSite, count = 1) {
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

  it('shows on its own per the site settings, in an open shadow root, as an accessible dialog', async () => {
    const shop = await rig.createSite({
      categories,
      prompt: { trigger: 'delay', delaySeconds: 0, title: 'Hear about deals first' },
    });
    const { page } = await rig.open(shop);

    const dialog = page.getByRole('dialog', { name: 'Hear about deals first' });
    await dialog.waitFor({ timeout: 5_000 });
    expect(
      await page.evaluate(() =>
        [...document.body.children].some((el) => el.shadowRoot?.mode === 'open'),
      ),
    ).toBe(true);
    // Described by its body text, for screen readers.
    expect(
      await dialog.evaluate((el) => {
        const id = el.getAttribute('aria-describedby');
        return id && (el.getRootNode() as ShadowRoot).getElementById(id)?.textContent;
      }),
    ).toBe('Choose the topics you care about. You can change them at any time.');
    // Checkboxes named by the category labels, ticked only where the site says `default`.
    expect(await page.getByRole('checkbox', { name: 'Deals and discounts' }).isChecked()).toBe(
      true,
    );
    expect(await page.getByRole('checkbox', { name: 'Back in stock' }).isChecked()).toBe(false);
    expect(await page.getByRole('checkbox', { name: 'Shop news' }).isChecked()).toBe(false);
    expect(await page.getByRole('button', { name: 'Allow' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Not now' }).isVisible()).toBe(true);
  });

  it('waits for beckon("prompt") when the trigger is manual, and uses the site\'s button texts', async () => {
    const shop = await rig.createSite({
      categories,
      prompt: { trigger: 'manual', allowText: 'Yes, notify me', dismissText: 'Maybe later' },
    });
    const { page } = await rig.open(shop);
    await pageViewRecorded(shop);
    expect(await page.getByRole('dialog').count()).toBe(0);

    await beckonCall(page, 'prompt');
    await page.getByRole('dialog').waitFor({ timeout: 5_000 });
    expect(await page.getByRole('button', { name: 'Yes, notify me' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Maybe later' }).isVisible()).toBe(true);
  });

  it('is driven by the keyboard: focus moves in, Tab walks the controls, Space ticks, Escape dismisses', async () => {
    const shop = await rig.createSite({ categories });
    const { page } = await rig.open(shop);
    const button = page.getByRole('button', { name: 'Buy' });
    await button.focus();
    await beckonCall(page, 'prompt');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor({ timeout: 5_000 });

    const focused = (locator: ReturnType<typeof page.getByRole>) =>
      locator.evaluate((el) => el.matches(':focus'));
    expect(await focused(dialog)).toBe(true);
    const order = [
      page.getByRole('checkbox', { name: 'Deals and discounts' }),
      page.getByRole('checkbox', { name: 'Back in stock' }),
      page.getByRole('checkbox', { name: 'Shop news' }),
      page.getByRole('button', { name: 'Not now' }),
      page.getByRole('button', { name: 'Allow' }),
    ];
    for (const control of order) {
      await page.keyboard.press('Tab');
      expect(await focused(control)).toBe(true);
    }
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Space');
    expect(await order[2]!.isChecked()).toBe(true);

    await page.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    expect(await focused(button)).toBe(true);
    await outcomes(page, 'dismissed');
    expect(await subscribersOf(shop)).toEqual([]);
  });

  it('does not come back on its own after "Not now"', async () => {
    const shop = await rig.createSite({
      categories,
      prompt: { trigger: 'delay', delaySeconds: 0, askAgainAfterDays: 7 },
    });
    const { page } = await rig.open(shop);
    await page.getByRole('button', { name: 'Not now' }).click();
    await outcomes(page, 'dismissed');

    await page.reload();
    await pageViewRecorded(shop, 2);
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('stores a subscriber with the ticked categories when the visitor presses Allow', async () => {
    const shop = await rig.createSite({ categories });
    const { page, subscriber } = await rig.open(shop);
    await beckonCall(page, 'prompt');
    await page.getByRole('checkbox', { name: 'Shop news' }).check();
    await page.getByRole('button', { name: 'Allow' }).click();

    const [subscribed] = await outcomes(page, 'subscribed');
    const { subscriberId, categories: chosen } = subscribed!.data as {
      subscriberId: string;
      categories: string[];
    };
    expect(chosen).toEqual(['deals', 'news']);
    expect(await page.getByRole('dialog').count()).toBe(0);
    // Subscribed with the site's own VAPID key (the push service checks the JWT against it).
    expect(
      await page.evaluate(() => (window as unknown as { pushStubCalls: string[] }).pushStubCalls),
    ).toEqual([shop.vapidPublicKey]);

    const [stored] = await subscribersOf(shop);
    expect(stored).toMatchObject({
      id: subscriberId,
      endpoint: subscriber.endpoint,
      categories: ['deals', 'news'],
      language: 'en-US',
    });
    expect(stored!.anonymousId).toBe(await page.evaluate(() => localStorage.getItem('beckon:aid')));
    expect(stored!.timezone).toBeTruthy();
  });

  it('lets a subscriber change topics later through the same prompt', async () => {
    const shop = await rig.createSite({ categories });
    const { page } = await rig.open(shop);
    const subscriberId = await subscribeThroughPrompt(page, ['Back in stock']);

    await beckonCall(page, 'prompt');
    expect(await page.getByRole('checkbox', { name: 'Deals and discounts' }).isChecked()).toBe(
      true,
    );
    expect(await page.getByRole('checkbox', { name: 'Back in stock' }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: 'Deals and discounts' }).uncheck();
    // For a subscriber the prompt is the topics panel: it saves, or turns notifications off.
    expect(await page.getByRole('button', { name: 'Turn off notifications' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Save' }).click();
    await outcomes(page, 'subscribed', { count: 2 });

    const subscribers = await subscribersOf(shop);
    expect(subscribers.map((s) => [s.id, s.categories])).toEqual([[subscriberId, ['restock']]]);
  });

  it('reports a subscribe that never settles as an error event, after the 10 s timeout', async () => {
    const shop = await rig.createSite({ categories });
    const { page } = await rig.open(shop, {
      hangSubscribe: true,
      // Chromium's own subscribe() can hang for ever; a fake clock skips the 10 s wait.
      beforeLoad: (p) => p.clock.install(),
    });
    await beckonCall(page, 'prompt');
    await page.getByRole('button', { name: 'Allow' }).click();
    await eventually(
      async () =>
        (await page.evaluate(
          () => (window as unknown as { pushStubCalls: string[] }).pushStubCalls.length,
        )) > 0,
      { what: 'the snippet to call pushManager.subscribe' },
    );

    await page.clock.runFor(9_000);
    expect(
      await page.evaluate(() => (window as unknown as { beckonEvents: unknown[] }).beckonEvents),
    ).toEqual([]);
    await page.clock.runFor(1_001);
    const [error] = await outcomes(page, 'error', { timeoutMs: 2_000 });
    expect(error!.data).toBe('Push subscription timed out');
    expect(await subscribersOf(shop)).toEqual([]);
  });
});
