import { Workbox } from 'workbox-window';
import { base64UrlBytes, withTimeout } from './util.ts';

const TIMEOUT = 1e4;

/** Whether this browser can do web push at all. */
export const pushSupported = () =>
  'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/**
 * Registers the worker, asks for notification permission and subscribes.
 * Call it straight from the "Allow" click.
 *
 * @example const sub = await subscribePush('/beckon-sw.js?site=KEY&api=...', config.vapidPublicKey)
 */
export async function subscribePush(
  swUrl: string,
  vapidPublicKey: string,
): Promise<PushSubscription> {
  // Asked at once, while the click's user activation lasts: Safari refuses requestPermission
  // outside a gesture and Chrome shows its quiet UI for late requests. The worker registers
  // meanwhile; nothing is subscribed before the answer is "granted".
  const permission = Notification.requestPermission();
  await new Workbox(swUrl).register();
  // `ready` never settles if the worker's scope does not cover this page (a `data-sw` in a
  // sub-folder); say so instead of hanging.
  const registration = await withTimeout(
    navigator.serviceWorker.ready,
    TIMEOUT,
    'Service worker not ready',
  );
  const answer = await permission;
  if (answer != 'granted') throw Error(`Notification permission ${answer}`);
  return withTimeout(
    registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlBytes(vapidPublicKey),
    }),
    TIMEOUT,
    'Push subscription timed out',
  );
}

/** This page's current subscription, if the worker is registered and subscribed. */
export const currentSubscription = async () =>
  (await (await navigator.serviceWorker.getRegistration())?.pushManager.getSubscription()) ||
  undefined;
