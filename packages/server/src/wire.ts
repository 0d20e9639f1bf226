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
  /**
   * Days before the prompt may show again after "Not now": one number for every time, or a
   * schedule (the n-th "Not now" waits the n-th entry, the last one repeating).
   */
  askAgainAfterDays: number | number[];
  position: 'top' | 'bottom' | 'center';
  colors: { background: string; text: string; accent: string };
  /** The topics panel (`beckon('preferences')`): its save and unsubscribe buttons. */
  saveText?: string;
  unsubscribeText?: string;
  /** Texts per language (`de`, `pt-BR`), the best match of the browser's languages wins. */
  translations?: { [lang: string]: PromptTranslation };
  /**
   * In an iPhone/iPad browser tab (push works only once the site is added to the Home Screen),
   * show "Add to Home Screen" guidance once instead of the prompt. Absent means true.
   */
  iosGuidance?: boolean;
}

export interface PromptTranslation {
  title?: string;
  text?: string;
  allow?: string;
  dismiss?: string;
  save?: string;
  unsubscribe?: string;
  /** The "Add to Home Screen" guidance shown in an iOS tab. */
  iosGuidance?: string;
  /** Category labels by category id. */
  categories?: { [id: string]: string };
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

/** `DELETE /v1/sites/{siteKey}/subscriptions`: why it ended is counted (API.md). */
export interface UnsubscribeRequest {
  endpoint: string;
  reason?: 'unsubscribed' | 'revoked';
}

/** `POST /v1/sites/{siteKey}/subscriptions` */
export interface SubscribeRequest {
  subscription: PushSubscriptionWire;
  /** The endpoint this one replaces (`pushsubscriptionchange`, a lost subscription): updated in place. */
  oldEndpoint?: string;
  categories?: CategoryId[];
  anonymousId?: string;
  /** `null` unlinks the browser from its user (`beckon('reset')` on logout). */
  externalId?: string | null;
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
/**
 * What every push carries: WebKit's Declarative Web Push message (w3c/push-api "declarative push
 * message"), so Safari can show it without running a worker; `mutable` lets a worker that
 * exists (ours) show it itself and post receipts. Beckon's own fields ride in
 * `notification.data`. `navigate` carries `bk_d=<deliveryId>` so a click that no worker saw
 * is still counted, by the snippet on the landing page.
 */
export interface DeclarativePushPayload {
  web_push: 8030;
  notification: {
    title: string;
    body?: string;
    navigate?: string;
    lang?: string;
    dir?: 'auto' | 'ltr' | 'rtl';
    tag?: string;
    silent?: boolean;
    data: DeclarativeData;
  };
  mutable: true;
  app_badge?: number;
}

/** Beckon's part of a declarative push: what the worker needs beyond the notification. */
export interface DeclarativeData {
  deliveryId: string;
  /** Where a click opens, without `bk_d` (the worker posts its own `clicked` receipt). */
  url?: string;
  icon?: string;
  image?: string;
  badge?: string;
  actions?: NotificationAction[];
  renotify?: boolean;
  requireInteraction?: boolean;
}

/** A message's title and body in other languages, by language tag (`de`, `pt-BR`). */
export interface MessageTranslations {
  [lang: string]: { title?: string; body?: string };
}

/** The earlier flat payload (and the content a notification stores): the worker reads both. */
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
