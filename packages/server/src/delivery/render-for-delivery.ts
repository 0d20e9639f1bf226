import { deliveryPayload, PAYLOAD_TOO_LARGE } from '../domain/payload.ts';
import { isTemplated, renderContent, type Rendered, UNSAFE_URL } from '../domain/safe-content.ts';
import type { DeliveryRow } from '../storage/deliveries.ts';
import type { Notification } from '../storage/notifications.ts';
import type { Store } from '../storage/store.ts';
import { traitsKey } from '../storage/users.ts';
import { translated } from '../domain/translate.ts';

/** What one delivery sends, or why it cannot be sent (it then fails, and only it). */
export type DeliveryPayload =
  | { ok: true; payload: string }
  | { ok: false; reason: typeof UNSAFE_URL | typeof PAYLOAD_TOO_LARGE };

interface Recipient {
  workspace_id: string;
  external_id: string | null;
  /** The browser's language when it subscribed: picks the message's translation. */
  language: string | null;
}

const NO_DATA = { properties: {}, traits: {} };

/**
 * Renders the payloads of one claimed batch, per delivery: `{{traits.x}}` with the
 * recipient's user (read for the whole batch in one query), `{{properties.x}}` with the
 * trigger event's properties, URLs checked against the recipient's site (API.md "Safe
 * rendering"), and every payload held to 3,993 bytes — direct, trigger and evergreen sends
 * alike. Content without a placeholder is checked once per notification and the batch never
 * reads users for it, so a plain broadcast costs what it did.
 *
 * @example
 * const payloadOf = await renderForDelivery(store, batch, notifications, subscribers);
 * const result = payloadOf(delivery, notification, subscriber, site.origins);
 */
export async function renderForDelivery(
  store: Pick<Store, 'users'>,
  batch: readonly DeliveryRow[],
  notifications: ReadonlyMap<string, Notification>,
  subscribers: ReadonlyMap<string, Recipient>,
) {
  const templated = new Set<string>();
  for (const n of notifications.values()) if (isTemplated(n.content)) templated.add(n.id);

  const users: Array<{ workspaceId: string; externalId: string }> = [];
  if (templated.size > 0) {
    for (const delivery of batch) {
      const subscriber = subscribers.get(delivery.subscriber_id);
      if (templated.has(delivery.notification_id) && subscriber?.external_id) {
        users.push({ workspaceId: subscriber.workspace_id, externalId: subscriber.external_id });
      }
    }
  }
  const traits = await store.users.traitsOf(users);
  // Plain content renders once per notification and language.
  const plain = new Map<string, Rendered>();

  return function payloadOf(
    delivery: DeliveryRow,
    notification: Notification,
    subscriber: Recipient,
    origins: readonly string[],
  ): DeliveryPayload {
    const content = translated(notification.content, subscriber.language);
    let rendered: Rendered | undefined;
    if (templated.has(notification.id)) {
      const data = {
        properties: notification.properties ?? {},
        traits:
          (subscriber.external_id &&
            traits.get(traitsKey(subscriber.workspace_id, subscriber.external_id))) ||
          {},
      };
      rendered = renderContent(content, data, origins);
    } else {
      // Plain content renders the same for everyone who reads the same language.
      const key = `${notification.id}\u0000${content.lang ?? ''}`;
      rendered = plain.get(key);
      if (!rendered) {
        rendered = renderContent(content, NO_DATA, origins);
        plain.set(key, rendered);
      }
    }
    if (!rendered.ok) return rendered;
    return deliveryPayload(rendered.content, delivery.id, origins[0]);
  };
}
