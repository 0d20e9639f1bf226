import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startBeckon, type TestBeckon } from '../support/beckon.ts';
import { startAutopush, type Autopush } from '../support/autopush/index.ts';
import { startTestSite, type TestSite } from '../support/test-site.ts';

const FIREFOX = process.env.BECKON_FIREFOX ?? '/usr/bin/firefox-esr';

type Counts = Record<'sent' | 'delivered' | 'failed' | 'shown' | 'clicked' | 'closed', number>;

/**
 * The one proof that a browser decrypts what Beckon sends: Chromium's CDP delivery hands the
 * worker plaintext, but here Firefox's own push client subscribes against a local autopush
 * stand-in, receives the encrypted body and decrypts it (ack 100) before Beckon's worker shows
 * it. A body with one bit flipped must be refused (ack 101): the negative control.
 */
describe('a real decryption in Firefox ESR', () => {
  let autopush: Autopush, beckon: TestBeckon, site: TestSite, browser: Browser, page: Page;
  let subscriberId: string;

  beforeAll(async () => {
    autopush = await startAutopush();
    beckon = await startBeckon({ dialect: 'sqlite', pushOrigins: [autopush.origin], origins: [] });
    site = await startTestSite(beckon.url);
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      timeout: 20_000,
      extraPrefsFirefox: {
        'dom.push.serverURL': autopush.serverURL,
        'dom.push.testing.allowInsecureServerURL': true,
        // Automation mode turns the push connection off unless told.
        'dom.push.connection.enabled': true,
        // Notifications granted without a permission prompt.
        'permissions.default.desktop-notification': 1,
        // No D-Bus here: the system backend would swallow the notification.
        'alerts.useSystemBackend': false,
      },
    });

    const created = await beckon.api('/v1/sites', {
      body: {
        name: 'Shop',
        origins: [site.origin],
        categories: [{ id: 'deals', label: 'Deals' }],
        prompt: { trigger: 'manual' },
      },
    });
    expect(created.status).toBe(201);
    const { siteKey } = (await created.json()) as { siteKey: string };

    // A visitor ticks a topic and presses Allow; Firefox subscribes against the stand-in.
    page = await browser.newPage();
    await page.goto(site.url({ siteKey }));
    await page.evaluate(() =>
      (window as unknown as { beckon(...a: unknown[]): void }).beckon('prompt'),
    );
    // The prompt lives in an open shadow root; `pierce/` reaches into it.
    const deals = await page.waitForSelector('pierce/input[type="checkbox"][value="deals"]', {
      timeout: 10_000,
    });
    if (!(await deals!.evaluate((box) => (box as HTMLInputElement).checked))) await deals!.click();
    await (await page.waitForSelector('pierce/button#y', { timeout: 10_000 }))!.click();
    subscriberId = await eventually(
      async () => {
        const events = await page.evaluate(
          () =>
            (window as unknown as { beckonEvents: Array<{ name: string; data: unknown }> })
              .beckonEvents,
        );
        const subscribed = events.find((e) => e.name === 'subscribed');
        return (subscribed?.data as { subscriberId?: string } | undefined)?.subscriberId;
      },
      { timeoutMs: 15_000, what: "the snippet's 'subscribed' event" },
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await beckon?.stop();
    await autopush?.close();
  });

  /** A campaign sent to the visitor; answers it and the version the stand-in forwarded. */
  async function send(title: string) {
    const created = await beckon.api('/v1/campaigns', {
      body: { name: title, messages: [{ id: 'm1', title, body: 'Only today' }] },
    });
    expect(created.status).toBe(201);
    const campaignId = ((await created.json()) as { id: string }).id;
    const before = autopush.forwarded.length;
    const sent = await beckon.api('/v1/notifications', {
      body: { campaignId, target: { subscriberIds: [subscriberId] }, ttl: 300 },
    });
    expect(sent.status).toBe(202);
    const version = await eventually(async () => autopush.forwarded[before], {
      timeoutMs: 10_000,
      what: 'the push reaching the autopush stand-in',
    });
    return { campaignId, version };
  }

  async function stats(campaignId: string): Promise<Counts> {
    const res = await beckon.api(`/v1/campaigns/${campaignId}/stats`);
    expect(res.status).toBe(200);
    return (await res.json()) as Counts;
  }

  it('decrypts the push, and the worker shows it and reports it shown', async () => {
    const { campaignId, version } = await send('Flash sale');
    expect(await autopush.waitForAck(version)).toMatchObject({ code: 100 });
    const counts = await eventually(
      async () => {
        const c = await stats(campaignId);
        return c.shown >= 1 ? c : undefined;
      },
      { timeoutMs: 10_000, what: `shown = 1 in the stats of ${campaignId}` },
    );
    expect(counts).toMatchObject({ sent: 1, delivered: 1, shown: 1 });
    const shown = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body }));
    });
    expect(shown).toContainEqual({ title: 'Flash sale', body: 'Only today' });
    expect(autopush.refusals).toEqual([]);
  }, 30_000);

  it('refuses a body with one bit flipped: ack 101, nothing shown', async () => {
    autopush.tamper(true);
    try {
      const { campaignId, version } = await send('Tampered');
      expect(await autopush.waitForAck(version)).toMatchObject({ code: 101 });
      // The worker never ran: give a receipt time to arrive if one were coming, then look.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await stats(campaignId)).toMatchObject({ delivered: 1, shown: 0 });
    } finally {
      autopush.tamper(false);
    }
  }, 30_000);

  it("forwards only pushes signed with the subscription's VAPID key", async () => {
    const [endpoint] = autopush.endpoints();
    const before = autopush.forwarded.length;
    const unsigned = await fetch(endpoint!, {
      method: 'POST',
      headers: { 'content-encoding': 'aes128gcm', ttl: '60' },
      body: new Uint8Array(100),
    });
    expect(unsigned.status).toBe(403);
    expect(autopush.forwarded.length).toBe(before);
  });
});
