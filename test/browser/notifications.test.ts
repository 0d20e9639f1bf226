import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/beckon.ts';
import {
  clickNotification,
  serviceWorker,
  shownNotifications,
  startBrowserRig,
  subscribeThroughPrompt,
  workerDevTools,
  type BrowserRig,
  type WorkerDevTools,
} from '../support/browser.ts';
import type { ReceivedMessage } from '../support/push-service/index.ts';
import { pushed } from '../support/push-service/index.ts';
import type { WorkerRecipe } from '../support/test-site.ts';

type Counts = Record<'sent' | 'delivered' | 'failed' | 'shown' | 'clicked' | 'closed', number>;

/**
 * The whole loop: page → server → VAPID-signed, encrypted push → local push service (which
 * decrypts) → the real service worker, through the DevTools protocol → a notification on
 * screen → receipts back to the server, offline included.
 */
describe('notifications in Chromium', () => {
  let rig: BrowserRig;

  beforeAll(async () => {
    rig = await startBrowserRig();
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  interface Received {
    context: BrowserContext;
    page: Page;
    devtools: WorkerDevTools;
    campaignId: string;
    notificationId: string;
    message: ReceivedMessage;
  }

  /** A visitor subscribes on the shop, and the shop's backend sends them a campaign message. */
  async function sendToNewSubscriber(
    message: Record<string, unknown>,
    recipe: WorkerRecipe = 'copy',
  ): Promise<Received> {
    const shop = await rig.createSite({ categories: [{ id: 'deals', label: 'Deals' }] });
    const { context, page, subscriber } = await rig.open(shop, { recipe });
    const subscriberId = await subscribeThroughPrompt(page, ['Deals']);
    const devtools = await workerDevTools(context, page, rig.site.origin);

    const created = await rig.beckon.api('/v1/campaigns', {
      body: { name: 'Deals', messages: [{ id: 'm1', ...message }] },
    });
    expect(created.status).toBe(201);
    const campaignId = ((await created.json()) as { id: string }).id;
    const sent = await rig.beckon.api('/v1/notifications', {
      body: { campaignId, target: { subscriberIds: [subscriberId] }, ttl: 300 },
    });
    expect(sent.status).toBe(202);
    const { notificationId } = (await sent.json()) as { notificationId: string };
    const [received] = await rig.push.waitForMessages(1, {
      filter: (m) => m.endpoint === subscriber.endpoint,
    });
    return { context, page, devtools, campaignId, notificationId, message: received! };
  }

  async function stats(campaignId: string): Promise<Counts> {
    const res = await rig.beckon.api(`/v1/campaigns/${campaignId}/stats`);
    expect(res.status).toBe(200);
    return (await res.json()) as Counts;
  }

  function statReaches(campaignId: string, name: keyof Counts, value: number) {
    return eventually(
      async () => {
        const counts = await stats(campaignId);
        return counts[name] >= value ? counts : undefined;
      },
      { what: `${name} = ${value} in the stats of ${campaignId}` },
    );
  }

  describe.each<[string, WorkerRecipe]>([
    ['copied to the site', 'copy'],
    ['pulled in with importScripts', 'importScripts'],
  ])('with the worker %s', (_, recipe) => {
    it('shows the pushed notification and reports it shown', async () => {
      const { page, devtools, campaignId, notificationId, message } = await sendToNewSubscriber(
        { title: 'Teapots are back', body: 'The blue one too', url: '/teapots' },
        recipe,
      );
      const payload = pushed(message.payload);
      expect(payload).toEqual({
        deliveryId: expect.stringMatching(/^dlv_/),
        title: 'Teapots are back',
        body: 'The blue one too',
        url: '/teapots',
        // Absolute, on the site's origin, naming the delivery for a click no worker sees.
        navigate: `${rig.site.origin}/teapots?bk_d=${payload.deliveryId}`,
      });

      await devtools.deliverPush(message.payload);
      // Read the notifications only once the worker says it has shown them (see
      // BROWSER-TESTING.md: an early getNotifications() can miss one for good).
      const counts = await statReaches(campaignId, 'shown', 1);
      expect(counts).toMatchObject({ sent: 1, delivered: 1, shown: 1, clicked: 0 });
      expect(await shownNotifications(page)).toEqual([
        {
          title: 'Teapots are back',
          body: 'The blue one too',
          tag: '',
          data: expect.objectContaining({
            deliveryId: payload.deliveryId,
            url: '/teapots',
          }) as unknown,
        },
      ]);
      const notification = await rig.beckon.api(`/v1/notifications/${notificationId}`);
      expect(await notification.json()).toMatchObject({
        status: 'sent',
        counts: { targeted: 1, delivered: 1 },
      });
    });
  });

  it('counts a click on a notification shown without the worker through bk_d on the landing page', async () => {
    // Safari shows a declarative push by itself and opens `navigate`: the landing page's
    // snippet reports the click and takes the parameter out of the address bar.
    const { page, campaignId, message } = await sendToNewSubscriber({
      title: 'Sale',
      body: 'Today only',
      url: '/?recipe=copy',
    });
    const { navigate } = pushed(message.payload);
    const landing = new URL(navigate!);
    expect(landing.searchParams.get('bk_d')).toMatch(/^dlv_/);
    landing.searchParams.set('site', new URL(page.url()).searchParams.get('site')!);

    await page.goto(landing.href);
    const counts = await statReaches(campaignId, 'clicked', 1);
    expect(counts).toMatchObject({ delivered: 1, shown: 0, clicked: 1 });
    expect(new URL(page.url()).searchParams.has('bk_d')).toBe(false);

    // A reload of the cleaned URL is not another click; no page view carries bk_d either.
    const pageViews = () =>
      rig.beckon.store.db.kysely
        .selectFrom('events')
        .select('properties')
        .where('type', '=', 'page')
        .execute();
    const before = (await pageViews()).length;
    await page.reload();
    // The snippet reports a landing click before its page view, so once the view is in,
    // a second click would be too.
    const views = await eventually(
      async () => {
        const all = await pageViews();
        return all.length > before ? all : undefined;
      },
      { what: 'the page view after the reload' },
    );
    expect((await stats(campaignId)).clicked).toBe(1);
    expect(views.some((v) => v.properties.includes('bk_d'))).toBe(false);
  });

  it('records a click on an action button as a clicked receipt with that action', async () => {
    const { context, devtools, campaignId, message } = await sendToNewSubscriber({
      title: 'Your cart misses you',
      body: 'Come back for 10% off',
      url: '/',
      actions: [{ action: 'cart', title: 'View cart', url: '/cart' }],
    });
    await devtools.deliverPush(message.payload);
    await statReaches(campaignId, 'shown', 1);

    expect(await clickNotification(await serviceWorker(context), 'cart')).toBe(true);
    const counts = await statReaches(campaignId, 'clicked', 1);
    expect(counts).toMatchObject({ shown: 1, clicked: 1, closed: 0 });
    const receipts = await rig.beckon.store.db.kysely
      .selectFrom('receipts')
      .innerJoin('deliveries', 'deliveries.id', 'receipts.delivery_id')
      .select(['receipts.kind', 'receipts.action'])
      .where('deliveries.campaign_id', '=', campaignId)
      .orderBy('receipts.kind')
      .execute();
    expect(receipts).toEqual([
      { kind: 'clicked', action: 'cart' },
      { kind: 'shown', action: null },
    ]);
  });

  it('keeps a receipt made offline and sends it, once, when the network is back', async () => {
    const { context, page, devtools, campaignId, message } = await sendToNewSubscriber({
      title: 'Flash sale',
      body: 'Two hours only',
    });
    const posted: number[] = [];
    context.on('requestfinished', async (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/receipts'))
        posted.push((await request.response())?.status() ?? 0);
    });
    const failed = context.waitForEvent('requestfailed', {
      predicate: (r) => r.method() === 'POST' && r.url().endsWith('/receipts'),
      timeout: 5_000,
    });

    await context.setOffline(true);
    await devtools.deliverPush(message.payload);
    expect((await failed).failure()?.errorText).toBe('net::ERR_INTERNET_DISCONNECTED');
    const queued = () =>
      page.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            // The worker's IndexedDB queue is the origin's, so the page can count it.
            const open = indexedDB.open('beckon-sw');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const count = open.result.transaction('receipts').objectStore('receipts').count();
              count.onsuccess = () => {
                open.result.close();
                resolve(count.result);
              };
              count.onerror = () => reject(count.error);
            };
          }),
      );
    expect(await queued()).toBe(1);
    expect((await stats(campaignId)).shown).toBe(0);
    expect(await shownNotifications(page)).toMatchObject([{ title: 'Flash sale' }]);

    await context.setOffline(false);
    // What Chromium does when connectivity returns for a pending Background Sync; emulated
    // offline→online does not fire it (nor the worker's `online` event) on its own.
    await devtools.dispatchSync('beckon-receipts');
    await statReaches(campaignId, 'shown', 1);
    await eventually(async () => (await queued()) === 0, { what: 'an empty receipt queue' });

    // Another sync finds nothing left to send: the receipt went once, and counts once.
    await devtools.dispatchSync('beckon-receipts');
    await page.waitForTimeout(300);
    expect(posted).toEqual([202]);
    expect(await stats(campaignId)).toMatchObject({ shown: 1, clicked: 0 });
  });
});
