import type { Receipt } from '../../server/src/wire.ts';
import type { NotificationData } from './payload.ts';

export interface ClickDeps {
  clients: Pick<Clients, 'matchAll' | 'openWindow'>;
  receipt(r: Receipt): Promise<unknown>;
  now(): Date;
  /** Resolves relative URLs: the registration's scope. */
  base: string;
}

/**
 * The clicked action's URL, else the notification's, absolute; undefined without either.
 * Only `http:`/`https:` ever reach `openWindow` (API.md "Safe rendering"): a `javascript:`,
 * `data:` or `blob:` URL from a payload, or one that does not parse, opens the site's root
 * instead, so a click still lands somewhere the site controls.
 */
export function clickUrl(
  data: Partial<NotificationData> | undefined,
  action: string,
  base: string,
) {
  const url = (action && data?.actions?.find((a) => a.action == action)?.url) || data?.url;
  if (typeof url != 'string' || !url) return undefined;
  let resolved: URL | undefined;
  try {
    resolved = new URL(url, base);
  } catch {
    // falls through to the root
  }
  return resolved && /^https?:$/.test(resolved.protocol) ? resolved.href : new URL('/', base).href;
}

/**
 * `notificationclick`: closes the notification, focuses a window already showing the URL or
 * opens one, and sends the `clicked` receipt. The receipt does not wait for, nor depend on,
 * the window: `openWindow` is refused for a script-dispatched event.
 *
 * @example event.waitUntil(handleClick(event.notification, event.action, deps))
 */
export async function handleClick(
  notification: Pick<Notification, 'data' | 'close'>,
  action: string,
  deps: ClickDeps,
): Promise<void> {
  try {
    notification.close();
  } catch {
    // already gone; the click still counts
  }
  const data = notification.data as Partial<NotificationData> | undefined;
  const url = clickUrl(data, action, deps.base);
  const open = async () => {
    if (!url) return;
    const windows = await deps.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const same = windows.find((w) => w.url == url);
    await (same ? same.focus() : deps.clients.openWindow(url));
  };
  await Promise.all([
    open().catch(() => {}),
    data?.deliveryId &&
      deps.receipt({
        deliveryId: data.deliveryId,
        kind: 'clicked',
        action: action || undefined,
        at: deps.now().toISOString(),
      }),
  ]);
}
