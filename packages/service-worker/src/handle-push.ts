import type { Receipt } from '../../server/src/wire.ts';
import { toNotification } from './payload.ts';

export interface PushDeps {
  registration: Pick<ServiceWorkerRegistration, 'showNotification'>;
  /** Queues and sends a receipt. */
  receipt(r: Receipt): Promise<unknown>;
  now(): Date;
  /** Title for a push without text. */
  fallbackTitle: string;
}

/**
 * `push`: shows the notification, then — only once `showNotification` has resolved — sends
 * the `shown` receipt. Never rejects for a bad payload.
 *
 * @example event.waitUntil(handlePush(event.data?.text(), deps))
 */
export async function handlePush(text: string | undefined, deps: PushDeps): Promise<void> {
  const { title, options } = toNotification(text, deps.fallbackTitle);
  try {
    await deps.registration.showNotification(title, options);
  } catch {
    // An option this browser refuses (too many actions, a bad image URL in some versions):
    // show the text rather than nothing.
    await deps.registration.showNotification(title, { body: options.body, data: options.data });
  }
  const deliveryId = options.data.deliveryId;
  if (deliveryId) await deps.receipt({ deliveryId, kind: 'shown', at: deps.now().toISOString() });
}
