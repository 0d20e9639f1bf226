import type { SiteConfig } from '../../server/src/wire.ts';
import { siteUrl, type WorkerConfig } from './config.ts';
import type { MetaStore } from './queue-db.ts';

/** Meta key of the last subscription endpoint this worker saw. */
export const ENDPOINT = 'endpoint';

export interface ResubscribeDeps {
  pushManager: Pick<PushManager, 'subscribe'>;
  fetch(url: string, init?: RequestInit): Promise<Pick<Response, 'ok' | 'status' | 'json'>>;
  config: WorkerConfig;
  meta: MetaStore;
  timezone?: string;
  language?: string;
}

/** Base64url to bytes; `atob` accepts the missing padding. */
const base64UrlBytes = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/**
 * Notes the current endpoint (on each push) so a later `pushsubscriptionchange` without
 * `oldSubscription` — Chrome's usual case — can still name the subscription it replaces.
 */
export async function rememberEndpoint(
  pushManager: Pick<PushManager, 'getSubscription'>,
  meta: MetaStore,
) {
  const subscription = await pushManager.getSubscription();
  if (subscription) await meta.set(ENDPOINT, subscription.endpoint);
}

/**
 * `pushsubscriptionchange`: the push service replaced or expired the subscription. Takes the
 * event's new subscription, or subscribes again with the old one's applicationServerKey (else
 * the site's current VAPID key from `/config`), and POSTs it with `oldEndpoint`, so the server
 * moves the existing subscriber — its id, categories and user — to the new endpoint. No
 * `categories` are sent: the page's choice lives in the page's localStorage, out of reach here.
 *
 * @example event.waitUntil(handleSubscriptionChange(event, deps))
 */
export async function handleSubscriptionChange(
  event: { oldSubscription?: PushSubscription | null; newSubscription?: PushSubscription | null },
  deps: ResubscribeDeps,
): Promise<void> {
  const old = event.oldSubscription;
  const oldEndpoint = old?.endpoint || (await deps.meta.get(ENDPOINT).catch(() => undefined));
  const subscription =
    event.newSubscription ||
    (await deps.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey:
        old?.options?.applicationServerKey || base64UrlBytes(await vapidKey(deps)),
    }));
  const res = await deps.fetch(siteUrl(deps.config, 'subscriptions'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      subscription: subscription.toJSON(),
      oldEndpoint,
      timezone: deps.timezone,
      language: deps.language,
    }),
  });
  if (!res.ok) throw Error(`Beckon: subscriptions answered ${res.status}`);
  await deps.meta.set(ENDPOINT, subscription.endpoint);
}

async function vapidKey(deps: ResubscribeDeps): Promise<string> {
  const res = await deps.fetch(siteUrl(deps.config, 'config'));
  if (!res.ok) throw Error(`Beckon: config answered ${res.status}`);
  return ((await res.json()) as SiteConfig).vapidPublicKey;
}
