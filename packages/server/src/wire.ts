/**
 * Wire types shared by the server, the snippet and the service worker.
 * Browser code imports this file with `import type` only, so nothing here may be a value.
 * The shapes follow ../shared/API.md.
 */

export type CategoryId = string;

export interface Category {
  id: CategoryId;
  label: string;
  /** Ticked in the prompt before the visitor touches it. */
  default?: boolean;
}

export interface PromptSettings {
  title: string;
  body: string;
  allowText: string;
  dismissText: string;
  /** When the soft prompt shows on its own; `manual` waits for `beckon('prompt')`. */
  trigger: 'delay' | 'pageviews' | 'scroll' | 'manual';
  delaySeconds: number;
  pageViews: number;
  scrollPercent: number;
  /** Days before the prompt may show again after "Not now". */
  askAgainAfterDays: number;
  position: 'top' | 'bottom' | 'center';
  colors: { background: string; text: string; accent: string };
}

/** `GET /v1/sites/{siteKey}/config` */
export interface SiteConfig {
  vapidPublicKey: string;
  prompt: PromptSettings;
  categories: Category[];
}

export interface PushSubscriptionWire {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

/** `POST /v1/sites/{siteKey}/subscriptions` */
export interface SubscribeRequest {
  subscription: PushSubscriptionWire;
  /** The endpoint this one replaces (`pushsubscriptionchange`): its subscriber is updated. */
  oldEndpoint?: string;
  categories?: CategoryId[];
  anonymousId?: string;
  externalId?: string;
  /** HMAC-SHA256 of `externalId` by the site's backend (API.md "Identity verification"). */
  userHash?: string;
  timezone?: string;
  language?: string;
}

export interface SubscribeResponse {
  subscriberId: string;
}

/** `POST /v1/sites/{siteKey}/events` — the pixel. */
export interface PixelEvent {
  type: 'page' | 'track' | 'identify';
  event?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  subscriberId?: string;
  anonymousId?: string;
  externalId?: string;
  userHash?: string;
  timestamp?: string;
  messageId?: string;
}

export type ReceiptKind = 'shown' | 'clicked' | 'closed';

/** `POST /v1/sites/{siteKey}/receipts` — from the service worker. */
export interface Receipt {
  /** The worker's id for this receipt, the same on every retry of its post. */
  id?: string;
  deliveryId: string;
  kind: ReceiptKind;
  action?: string;
  at?: string;
}

export interface NotificationAction {
  action: string;
  title: string;
  url: string;
}

/** The decrypted JSON the service worker receives (at most 3,993 bytes, RFC 8291 §4). */
export interface PushPayload {
  deliveryId: string;
  title: string;
  body: string;
  url?: string;
  icon?: string;
  image?: string;
  badge?: string;
  actions?: NotificationAction[];
  tag?: string;
  renotify?: boolean;
  requireInteraction?: boolean;
  data?: Record<string, unknown>;
}
