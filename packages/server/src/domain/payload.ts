import type { DeclarativePushPayload } from '../wire.ts';
import type { CampaignMessage, NotificationContent } from './content.ts';
import { everyLanguage } from './translate.ts';

/**
 * RFC 8291 §4: a push message is at most 4096 bytes; the aes128gcm header (86 bytes with a
 * 65-byte key id), the 16-byte tag and the 1-byte padding delimiter leave 3,993 for the JSON.
 */
export const MAX_PAYLOAD_BYTES = 3993;

/** The reason a delivery fails with when its rendered payload does not fit. */
export const PAYLOAD_TOO_LARGE = 'payload too large';

/** Long enough for any delivery id we make, so the size check at the API is never too lenient. */
const DELIVERY_ID_PLACEHOLDER = 'x'.repeat(48);

/** The query parameter on `navigate` that lets the landing page count a click (API.md). */
export const CLICK_PARAM = 'bk_d';

/**
 * Stands in for a site's origin when a send is checked at the API, before anyone's site is
 * known: a long real-world origin. The check per delivery, with the real origin, is exact.
 */
const ORIGIN_PLACEHOLDER = `https://${'x'.repeat(92)}`;

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
  // A send that overrides the title or body says it for everyone, in every language.
  if (content.translations && (override?.title !== undefined || override?.body !== undefined)) {
    content.translations = Object.fromEntries(
      Object.entries(content.translations).map(([tag, t]) => [
        tag,
        stripUndefined({
          title: override.title === undefined ? t.title : undefined,
          body: override.body === undefined ? t.body : undefined,
        }),
      ]),
    );
  }
  return stripUndefined(content) as NotificationContent;
}

/**
 * The push as WebKit's Declarative Web Push message (API.md "The push payload (declarative)").
 * `origin` (the site's first) makes relative URLs absolute: `navigate` must be. Without an
 * origin and with no absolute URL there is no `navigate`; our worker still opens `data.url`.
 *
 * @example payloadFor({ title: 'Hi', body: '', url: '/cart' }, 'dlv_1', 'https://shop.example')
 */
export function payloadFor(
  content: NotificationContent,
  deliveryId: string,
  origin?: string,
): string {
  const {
    title,
    body,
    url,
    tag,
    lang,
    translations: _picked,
    ...rest
  } = content as NotificationContent & { lang?: string };
  const target = absolute(url ?? '/', origin);
  let navigate: string | undefined;
  if (target) {
    const withClick = new URL(target);
    withClick.searchParams.set(CLICK_PARAM, deliveryId);
    navigate = withClick.href;
  }
  const payload: DeclarativePushPayload = {
    web_push: 8030,
    notification: {
      title,
      ...(body && { body }),
      ...(navigate && { navigate }),
      ...(lang && { lang }),
      ...(tag && { tag }),
      data: { deliveryId, ...(url !== undefined && { url }), ...stripUndefined(rest) },
    },
    mutable: true,
  };
  return JSON.stringify(payload);
}

function absolute(url: string, origin: string | undefined): string | undefined {
  try {
    const resolved = new URL(url, origin);
    return /^https?:$/.test(resolved.protocol) ? resolved.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The JSON one delivery carries, or `payload too large` when it is over 3,993 bytes (RFC 8291
 * §4): checked for every delivery, since rendering per recipient can grow any content.
 */
export function deliveryPayload(
  content: NotificationContent,
  deliveryId: string,
  origin?: string,
): { ok: true; payload: string } | { ok: false; reason: typeof PAYLOAD_TOO_LARGE } {
  const payload = payloadFor(content, deliveryId, origin);
  // Most payloads are far under the limit: the byte count is only needed near it (≤ 3 bytes
  // per UTF-16 unit in UTF-8).
  if (payload.length * 3 <= MAX_PAYLOAD_BYTES || Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES)
    return { ok: true, payload };
  return { ok: false, reason: PAYLOAD_TOO_LARGE };
}

/** Bytes of the largest payload this content can produce, in any of its languages. */
export function payloadSize(content: NotificationContent): number {
  return Math.max(
    ...everyLanguage(content).map((c) =>
      Buffer.byteLength(payloadFor(c, DELIVERY_ID_PLACEHOLDER, ORIGIN_PLACEHOLDER)),
    ),
  );
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
