import type { NotificationAction, PushPayload } from '../../server/src/wire.ts';

/** What `notification.data` holds, for the click handler. */
export interface NotificationData {
  deliveryId?: string;
  url?: string;
  actions: NotificationAction[];
}

/** NotificationOptions as browsers take them; TypeScript's lib lacks actions, image, renotify. */
export interface ShowOptions extends NotificationOptions {
  actions?: { action: string; title: string }[];
  image?: string;
  renotify?: boolean;
  data: NotificationData;
}

const str = (v: unknown) => (typeof v == 'string' ? v : undefined);

type Fields = Partial<Record<keyof PushPayload | 'lang', unknown>>;

/**
 * A Declarative Web Push message (`web_push: 8030`) as the flat fields the rest reads: the
 * notification's own members, and Beckon's in its `data`. Without `data.url` (a message from
 * elsewhere) a click opens `navigate`. The flat shape of earlier servers passes unchanged.
 */
export function flatten(p: Record<string, unknown>): Fields {
  const n = p.web_push == 8030 && (p.notification as Record<string, unknown> | undefined);
  if (!n || typeof n != 'object') return p;
  const data = n.data && typeof n.data == 'object' ? (n.data as Record<string, unknown>) : {};
  return { url: n.navigate, ...data, title: n.title, body: n.body, tag: n.tag, lang: n.lang };
}

/**
 * Turns a push message's text into `showNotification` arguments. A payload that is not the JSON
 * of API.md still shows something: its text as the title, or `fallbackTitle` for an empty push
 * (a `userVisibleOnly` push must show a notification, or Chrome shows a generic one itself).
 *
 * @example const { title, options } = toNotification(event.data?.text(), self.location.hostname)
 */
export function toNotification(text: string | undefined, fallbackTitle: string) {
  let p: Fields;
  try {
    const parsed: unknown = JSON.parse(text || '');
    p =
      parsed && typeof parsed == 'object'
        ? parsed
        : { title: typeof parsed == 'string' ? parsed : text };
  } catch {
    p = { title: text };
  }
  p = flatten(p);
  const actions = (Array.isArray(p.actions) ? p.actions : []).filter(
    (a): a is NotificationAction =>
      !!a && typeof a.action == 'string' && typeof a.title == 'string',
  );
  const tag = str(p.tag);
  const options: ShowOptions = {
    body: str(p.body),
    lang: str(p.lang),
    icon: str(p.icon),
    image: str(p.image),
    badge: str(p.badge),
    tag,
    // Chrome rejects renotify without a tag (TypeError), which would lose the notification.
    renotify: !!(tag && p.renotify),
    requireInteraction: !!p.requireInteraction,
    actions: actions.map(({ action, title }) => ({ action, title })),
    data: { deliveryId: str(p.deliveryId), url: str(p.url), actions },
  };
  return { title: str(p.title) || fallbackTitle, options };
}
