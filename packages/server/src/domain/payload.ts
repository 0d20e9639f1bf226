import type { PushPayload } from '../wire.ts';
import type { CampaignMessage, NotificationContent } from './content.ts';

/**
 * RFC 8291 §4: a push message is at most 4096 bytes; the aes128gcm header (86 bytes with a
 * 65-byte key id), the 16-byte tag and the 1-byte padding delimiter leave 3,993 for the JSON.
 */
export const MAX_PAYLOAD_BYTES = 3993;

/** The reason a delivery fails with when its rendered payload does not fit. */
export const PAYLOAD_TOO_LARGE = 'payload too large';

/** Long enough for any delivery id we make, so the size check at the API is never too lenient. */
const DELIVERY_ID_PLACEHOLDER = 'x'.repeat(48);

export interface ContentOverride {
  title?: string;
  body?: string;
  url?: string;
  icon?: string;
  image?: string;
}

/** The message a notification shows: the campaign's message with the send's overrides on top. */
export function resolveContent(
  message: CampaignMessage,
  override: ContentOverride | undefined,
): NotificationContent {
  const merged = { ...message, ...stripUndefined(override ?? {}) };
  const { id: _id, ...content } = merged;
  return stripUndefined(content) as NotificationContent;
}

export function payloadFor(content: NotificationContent, deliveryId: string): string {
  const payload: PushPayload = { deliveryId, ...content };
  return JSON.stringify(payload);
}

/**
 * The JSON one delivery carries, or `payload too large` when it is over 3,993 bytes (RFC 8291
 * §4): checked for every delivery, since rendering per recipient can grow any content.
 */
export function deliveryPayload(
  content: NotificationContent,
  deliveryId: string,
): { ok: true; payload: string } | { ok: false; reason: typeof PAYLOAD_TOO_LARGE } {
  const payload = payloadFor(content, deliveryId);
  // Most payloads are far under the limit: the byte count is only needed near it (≤ 3 bytes
  // per UTF-16 unit in UTF-8).
  if (payload.length * 3 <= MAX_PAYLOAD_BYTES || Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES)
    return { ok: true, payload };
  return { ok: false, reason: PAYLOAD_TOO_LARGE };
}

/** Bytes of the largest payload this content can produce. */
export function payloadSize(content: NotificationContent): number {
  return Buffer.byteLength(payloadFor(content, DELIVERY_ID_PLACEHOLDER));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
