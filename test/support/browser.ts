/**
 * Chromium for the end-to-end tests, as /work/shared/BROWSER-TESTING.md says it works here:
 * Debian's `/usr/bin/chromium` driven by playwright-core, pages on `http://localhost:PORT`
 * (a secure context), and push simulated at exactly one seam — `PushManager.subscribe` — with
 * a subscription on the local push service. Everything else (service worker, IndexedDB,
 * CORS, notifications) is the real browser.
 */
import { userHash } from '../../packages/server/src/domain/user-hash.ts';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type CDPSession,
  type Page,
  type Worker,
} from 'playwright-core';
import type { Category, PromptSettings } from '../../packages/server/src/wire.ts';
import { eventually, startBeckon, type TestBeckon } from './beckon.ts';
import {
  createLocalPushService,
  type LocalPushService,
  type VirtualSubscriber,
} from './push-service/index.ts';
import { pushStubScript, type PushStub } from './push-stub.ts';
import { startTestSite, type PageOptions, type TestSite } from './test-site.ts';

export const CHROMIUM = process.env.BECKON_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One browser per test file; a context per test keeps storage and workers apart. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
}

/**
 * A fresh context for one test: notifications granted for the site's origin and the push
 * stub installed.
 */
export async function newPushContext(
  browser: Browser,
  origin: string,
  stub: PushStub,
  options: { locale?: string; userAgent?: string } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.grantPermissions(['notifications'], { origin });
  await context.addInitScript({ content: pushStubScript(stub) });
  return context;
}

/** `window.beckonEvents` as the test page records them. */
export interface OutcomeEvent {
  name: 'subscribed' | 'dismissed' | 'unsubscribed' | 'error';
  data: unknown;
}

/** Waits (bounded) until the snippet has emitted `count` events of that name; answers them all. */
export async function outcomes(
  page: Page,
  name: OutcomeEvent['name'],
  { count = 1, timeoutMs = 10_000 } = {},
): Promise<OutcomeEvent[]> {
  return eventually(
    async () => {
      const all = await page.evaluate(
        () => (window as unknown as { beckonEvents: OutcomeEvent[] }).beckonEvents,
      );
      const found = all.filter((e) => e.name === name);
      return found.length >= count ? found : undefined;
    },
    { timeoutMs, what: `${count} '${name}' event(s) from the snippet` },
  );
}

/** The service worker's registration on `origin`, reached through the DevTools protocol. */
export interface WorkerDevTools {
  /** `ServiceWorker.deliverPushMessage`: the worker's `push` handler runs with `data`. */
  deliverPush(data: string): Promise<void>;
  /** `ServiceWorker.dispatchSyncEvent`: what Chromium does when connectivity returns. */
  dispatchSync(tag: string): Promise<void>;
  detach(): Promise<void>;
}

export async function workerDevTools(
  context: BrowserContext,
  page: Page,
  origin: string,
): Promise<WorkerDevTools> {
  const cdp: CDPSession = await context.newCDPSession(page);
  let registrationId: string | undefined;
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    for (const r of registrations) {
      if (new URL(r.scopeURL).origin === origin && !r.isDeleted) registrationId = r.registrationId;
    }
  });
  await cdp.send('ServiceWorker.enable');
  const registration = () =>
    eventually(async () => registrationId, {
      timeoutMs: 5_000,
      what: `a service worker registration on ${origin}`,
    });
  return {
    async deliverPush(data) {
      const id = await registration();
      await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: id, data });
    },
    async dispatchSync(tag) {
      const id = await registration();
      await cdp.send('ServiceWorker.dispatchSyncEvent', {
        origin,
        registrationId: id,
        tag,
        lastChance: false,
      });
    },
    detach: () => cdp.detach(),
  };
}

/** The notifications the page's registration shows, as a visitor would read them. */
export function shownNotifications(page: Page) {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data as { deliveryId?: string; url?: string },
    }));
  });
}

/** The site's active service worker as Playwright sees it. */
export async function serviceWorker(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
}

/**
 * Clicks the worker's first notification the only way Chromium allows from a test: a
 * script-dispatched `notificationclick` (nothing in CDP clicks a notification). Answers
 * whether there was one to click.
 */
export function clickNotification(worker: Worker, action = ''): Promise<boolean> {
  return worker.evaluate(async (action) => {
    type Scope = {
      registration: { getNotifications(): Promise<Notification[]> };
      dispatchEvent(event: Event): boolean;
    };
    const scope = self as unknown as Scope;
    const [notification] = await scope.registration.getNotifications();
    if (!notification) return false;
    const { NotificationEvent } = globalThis as unknown as {
      NotificationEvent: new (type: string, init: object) => Event;
    };
    scope.dispatchEvent(new NotificationEvent('notificationclick', { notification, action }));
    return true;
  }, action);
}

/** A site created for one test, so its subscribers, events and stats are its own. */
export interface ShopSite {
  id: string;
  siteKey: string;
  vapidPublicKey: string;
  /** From the 201: what the shop's backend keys `userHash` with (see `userHashFor`). */
  identitySecret: string;
}

/** The `userHash` the shop's backend would put in its page for `identify`. */
export const userHashFor = (shop: ShopSite, externalId: string) =>
  userHash(shop.identitySecret, externalId);

export interface OpenShop {
  context: BrowserContext;
  page: Page;
  /** The subscription the stub hands out; the local push service can decrypt for it. */
  subscriber: VirtualSubscriber;
}

/**
 * Everything one browser test file shares: a Beckon server on SQLite (the storage layer is
 * proven on both dialects elsewhere), the local push service, the test site and one Chromium.
 *
 * @example
 * const rig = await startBrowserRig();
 * const shop = await rig.createSite({ categories: [{ id: 'news', label: 'News' }] });
 * const { page } = await rig.open(shop);
 * const subscriberId = await subscribeThroughPrompt(page);
 */
export interface BrowserRig {
  beckon: TestBeckon;
  push: LocalPushService;
  site: TestSite;
  browser: Browser;
  /** A new site allowed on the test origin; the prompt waits for `beckon('prompt')` unless told. */
  createSite(options?: {
    categories?: Category[];
    prompt?: Partial<Omit<PromptSettings, 'colors'>>;
  }): Promise<ShopSite>;
  /**
   * A fresh context (notifications granted, push stubbed) with the shop page open.
   * `beforeLoad` runs on the page before navigation (e.g. `page.clock.install()`).
   */
  open(
    shop: ShopSite,
    options?: Omit<PageOptions, 'siteKey'> & {
      hangSubscribe?: boolean;
      /** The browser's language (`navigator.language[s]`), e.g. `de-DE`. */
      locale?: string;
      /** Another browser's user agent (an iPhone's, say). */
      userAgent?: string;
      beforeLoad?: (page: Page) => Promise<void>;
    },
  ): Promise<OpenShop>;
  /** Closes the contexts `open` made (call after each test). */
  closeContexts(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBrowserRig(): Promise<BrowserRig> {
  // Newest first: the browser goes before the site it shows, the server before its push service.
  const teardown: Array<() => Promise<unknown>> = [];
  let push: LocalPushService, beckon: TestBeckon, site: TestSite, browser: Browser;
  try {
    push = await createLocalPushService();
    teardown.unshift(() => push.close());
    beckon = await startBeckon({ dialect: 'sqlite', pushOrigins: [push.origin], origins: [] });
    teardown.unshift(() => beckon.stop());
    site = await startTestSite(beckon.url);
    teardown.unshift(() => site.close());
    browser = await launchBrowser();
    teardown.unshift(() => browser.close());
  } catch (error) {
    // Half a rig would outlive the test file.
    for (const undo of teardown) await undo().catch(() => {});
    throw error;
  }
  const contexts = new Set<BrowserContext>();
  let sites = 0;

  return {
    beckon,
    push,
    site,
    browser,
    async createSite({ categories = [], prompt = {} } = {}) {
      const res = await beckon.api('/v1/sites', {
        body: {
          name: `Shop ${++sites}`,
          origins: [site.origin],
          categories,
          prompt: { trigger: 'manual', ...prompt },
        },
      });
      if (res.status !== 201) throw new Error(`creating a site: ${res.status} ${await res.text()}`);
      return (await res.json()) as ShopSite;
    },
    async open(shop, { hangSubscribe, beforeLoad, locale, userAgent, ...pageOptions } = {}) {
      const subscriber = push.createSubscriber();
      const stub: PushStub = hangSubscribe ? 'hang' : { subscription: subscriber };
      const context = await newPushContext(browser, site.origin, stub, { locale, userAgent });
      contexts.add(context);
      const page = await context.newPage();
      await beforeLoad?.(page);
      await page.goto(site.url({ siteKey: shop.siteKey, ...pageOptions }));
      return { context, page, subscriber };
    },
    async closeContexts() {
      await Promise.all([...contexts].map((c) => c.close()));
      contexts.clear();
    },
    async stop() {
      for (const undo of teardown) await undo();
    },
  };
}

/** Opens the prompt, ticks `tick`, presses Allow; answers the new subscriber's id. */
export async function subscribeThroughPrompt(page: Page, tick: string[] = []): Promise<string> {
  await beckonCall(page, 'prompt');
  for (const label of tick) await page.getByRole('checkbox', { name: label }).check();
  await page.getByRole('button', { name: 'Allow' }).click();
  const [subscribed] = await outcomes(page, 'subscribed');
  return (subscribed!.data as { subscriberId: string }).subscriberId;
}

/** Calls the page's `beckon(...)` as the site's own scripts would. */
export function beckonCall(page: Page, ...args: unknown[]): Promise<void> {
  return page.evaluate((args) => {
    (window as unknown as { beckon: (...args: unknown[]) => void }).beckon(...args);
  }, args);
}
