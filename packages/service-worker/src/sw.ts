/**
 * beckon-sw.js — the service worker (one classic-script IIFE). Only wiring lives here: each
 * handler is a plain function of (event data, deps) in its own module.
 *
 * Registered by the snippet as `/beckon-sw.js?site=KEY&api=ORIGIN`, or pulled into a site's
 * own worker with `self.BECKON = { site, api }; importScripts('https://BECKON_HOST/beckon-sw.js')`.
 */
import type { Receipt } from '../../server/src/wire.ts';
import { readWorkerConfig, siteUrl } from './config.ts';
import { handleClick } from './handle-click.ts';
import { handleClose } from './handle-close.ts';
import { handlePush } from './handle-push.ts';
import { createQueueDb } from './queue-db.ts';
import { createReceipts } from './receipts.ts';
import { handleSubscriptionChange, rememberEndpoint } from './resubscribe.ts';

declare const self: ServiceWorkerGlobalScope & { BECKON?: { site?: string; api?: string } };

/** Background Sync (Chromium only), missing from TypeScript's lib. */
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}
const SYNC_TAG = 'beckon-receipts';

const config = readWorkerConfig(self.location.search, self.BECKON, self.location.origin);
const db = createQueueDb();
const now = () => new Date();
// Called unbound, fetch throws "Illegal invocation".
const send = self.fetch.bind(self);

const receipts = createReceipts({
  queue: db.receipts,
  fetch: send,
  uuid: () => crypto.randomUUID(),
  now: Date.now,
  retryLater() {
    const sync = (self.registration as { sync?: { register(tag: string): Promise<void> } }).sync;
    sync?.register(SYNC_TAG).catch(() => {});
  },
});
const receipt = async (r: Receipt) => config && receipts.record(siteUrl(config, 'receipts'), r);

/**
 * `waitUntil` throws InvalidStateError for a script-dispatched event (how e2e tests click a
 * notification) and once the event has finished dispatching. The work is already running by
 * then, so the failure to extend the event's lifetime must not stop it.
 */
const keep = (event: ExtendableEvent, work: Promise<unknown>) => {
  const settled = work.catch(() => {});
  try {
    event.waitUntil(settled);
  } catch {
    // see above
  }
};

const pushDeps = () => ({
  registration: self.registration,
  receipt,
  now,
  fallbackTitle: self.location.hostname,
});

self.addEventListener('push', (event) =>
  keep(
    event,
    Promise.all([
      handlePush(event.data?.text(), pushDeps()),
      rememberEndpoint(self.registration.pushManager, db.meta),
    ]),
  ),
);

/**
 * Safari's Declarative Web Push hands a mutable message to the worker as `pushnotification`
 * with the notification it would show (WebKit's explainer); we show it ourselves, as for
 * `push`, so it gets its icon and actions and a `shown` receipt.
 */
interface PushNotificationEvent extends ExtendableEvent {
  readonly proposedNotification?: Pick<Notification, 'title' | 'body' | 'tag' | 'lang' | 'data'> & {
    navigate?: string;
  };
}
self.addEventListener('pushnotification' as 'push', (event) => {
  const n = (event as unknown as PushNotificationEvent).proposedNotification;
  if (!n) return;
  const { title, body, tag, lang, navigate, data } = n;
  const message = { web_push: 8030, notification: { title, body, tag, lang, navigate, data } };
  keep(event, handlePush(JSON.stringify(message), pushDeps()));
});

self.addEventListener('notificationclick', (event) =>
  keep(
    event,
    handleClick(event.notification, event.action, {
      clients: self.clients,
      receipt,
      now,
      base: self.registration.scope,
    }),
  ),
);

self.addEventListener('notificationclose', (event) =>
  keep(event, handleClose(event.notification, { receipt, now })),
);

self.addEventListener('pushsubscriptionchange', (event) => {
  if (!config) return;
  let timezone: string | undefined;
  try {
    timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {}
  keep(
    event,
    handleSubscriptionChange(event, {
      pushManager: self.registration.pushManager,
      fetch: send,
      config,
      meta: db.meta,
      timezone,
      language: navigator.language,
    }),
  );
});

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag != SYNC_TAG) return;
  // A rejection tells the browser to fire the sync again later, with its own backoff.
  e.waitUntil(
    receipts.flush().then((empty) => {
      if (!empty) throw Error('Beckon: receipts still queued');
    }),
  );
});

self.addEventListener('online', () => void receipts.flush());
