/** The event types of API.md "Events out", in the order a subscriber's life produces them. */
export const WEBHOOK_EVENT_TYPES = [
  'subscriber.created',
  'subscriber.deleted',
  'delivery.sent',
  'delivery.delivered',
  'delivery.failed',
  'delivery.capped',
  'receipt.shown',
  'receipt.clicked',
  'receipt.closed',
  'notification.finished',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a Segment forwarder sends: receipts only, as Segment's push-notification events. */
export const SEGMENT_TRACK_EVENTS: Readonly<Partial<Record<WebhookEventType, string>>> = {
  'receipt.shown': 'Push Notification Delivered',
  'receipt.clicked': 'Push Notification Opened',
  'receipt.closed': 'Push Notification Dismissed',
};

/** Why a subscriber ended (API.md "Visitor self-service"). */
export type SubscriberEnding = 'gone' | 'unsubscribed' | 'revoked' | 'erased';

/**
 * One fact leaving Beckon. `subject` is what ordering is kept for (a subscriber, or a
 * notification); `data` is the webhook body's `data`.
 */
export interface OutEvent {
  workspaceId: string;
  type: WebhookEventType;
  subject: string;
  at: number;
  data: Record<string, unknown>;
}

/** Standard Webhooks' body: `{ type, timestamp, data }`. */
export const webhookBody = (event: OutEvent) =>
  JSON.stringify({
    type: event.type,
    timestamp: new Date(event.at).toISOString(),
    data: event.data,
  });

/** After this long failing without one success, a destination is disabled (API.md: 3 days). */
export const GIVE_UP_AFTER_MS = 3 * 24 * 3_600_000;
/** The longest wait between two tries of a failing destination. */
const MAX_DELAY_MS = 3_600_000;

/**
 * When a destination that failed `failures` times in a row is tried again: exponential from
 * `baseMs` (1 s, 2 s, 4 s, … by default), at most an hour apart, until {@link GIVE_UP_AFTER_MS}.
 *
 * @example nextTryAt(3, 1_000, 0) // 4_000
 */
export function nextTryAt(failures: number, baseMs: number, now: number): number {
  const delay = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return now + delay;
}
