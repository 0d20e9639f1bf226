import { z } from 'zod';
import type { ContentOverride } from '../domain/payload.ts';
import { isVapidKeyPair } from '../domain/vapid-keys.ts';
import { isSafeUrl } from '../domain/safe-content.ts';
import type { Target } from '../domain/target.ts';
import { hasPlaceholder } from '../domain/template.ts';
import { AUTH_BYTES, isP256Point, P256DH_BYTES } from '../domain/push-keys.ts';
import type { Urgency } from '../storage/notifications.ts';

/**
 * The zod schemas of the public contract (../shared/API.md). They validate at the edge and
 * generate `/openapi.json`, so the document and the behaviour cannot drift apart.
 */

/** ISO-8601 UTC: `Z` or `+00:00`. Any other offset, or none, is refused (API.md conventions). */
export const utcTimestamp = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|\+00:00|\+0000)$/,
    'must be an ISO-8601 UTC timestamp ending in Z or +00:00',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'is not a valid date')
  .transform((s) => Date.parse(s));

const base64url = (bytes: number, what: string) =>
  z
    .string()
    // Padded or not, base64 of `bytes` bytes is at most this long: nothing longer is decoded.
    .max(Math.ceil(bytes / 3) * 4, `${what} must be ${bytes} bytes`)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what} must be base64url`)
    .refine((s) => Buffer.from(s, 'base64url').length === bytes, `${what} must be ${bytes} bytes`);

/**
 * A URL field of message content (url, icon, image, badge, action url), checked when saved.
 * Literal: an http(s) URL or a path (API.md "Safe rendering"; never `javascript:`, `data:`,
 * `//host`). A template (`{{traits.x}}`, `{{properties.x}}`): its literal start must already be
 * a path or `http(s)://host`, since substitutions are percent-encoded and cannot supply a scheme
 * or a host — the rendered URL is checked again for each delivery (domain/safe-content.ts).
 */
export const contentUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    if (!hasPlaceholder(s)) return isSafeUrl(s, null);
    const start = s.slice(0, s.indexOf('{{'));
    return /^\/(?![/\\])/.test(start) || /^https?:\/\/[^/\\{\s]+/i.test(start);
  }, 'must be an http(s) URL or a path starting with a single /; a template must start with one');

export const originSchema = z
  .string()
  .transform((s) => s.replace(/\/$/, ''))
  .refine((s) => {
    try {
      const url = new URL(s);
      return ['http:', 'https:'].includes(url.protocol) && url.origin === s;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://shop.example (scheme, host and optional port)');

export const categorySchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, _ . or -'),
  label: z.string().min(1).max(100),
  default: z.boolean().optional(),
});

export const cappingSchema = z.strictObject({
  perHour: z.number().int().min(1).optional(),
  perDay: z.number().int().min(1).optional(),
});

const colorSchema = z.string().max(64);
const reaskDays = z.number().min(0).max(3650);

/** A BCP 47 language tag as browsers report them (`de`, `pt-BR`, `zh-Hant-TW`). */
export const languageTag = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, 'must be a language tag such as de or pt-BR');

const promptTranslationSchema = z.strictObject({
  title: z.string().min(1).max(200).optional(),
  text: z.string().max(1000).optional(),
  allow: z.string().min(1).max(60).optional(),
  dismiss: z.string().min(1).max(60).optional(),
  save: z.string().min(1).max(60).optional(),
  unsubscribe: z.string().min(1).max(60).optional(),
  iosGuidance: z.string().min(1).max(300).optional(),
  categories: z
    .record(z.string().max(64), z.string().min(1).max(100))
    .refine((c) => Object.keys(c).length <= 100, 'at most 100 categories')
    .optional(),
});
export const promptSchema = z.strictObject({
  title: z.string().min(1).max(200).optional(),
  body: z.string().max(1000).optional(),
  allowText: z.string().min(1).max(60).optional(),
  dismissText: z.string().min(1).max(60).optional(),
  trigger: z.enum(['delay', 'pageviews', 'scroll', 'manual']).optional(),
  delaySeconds: z.number().min(0).max(3600).optional(),
  pageViews: z.number().int().min(1).max(1000).optional(),
  scrollPercent: z.number().min(0).max(100).optional(),
  askAgainAfterDays: z.union([reaskDays, z.array(reaskDays).min(1).max(10)]).optional(),
  position: z.enum(['top', 'bottom', 'center']).optional(),
  colors: z
    .strictObject({
      background: colorSchema.optional(),
      text: colorSchema.optional(),
      accent: colorSchema.optional(),
    })
    .optional(),
  saveText: z.string().min(1).max(60).optional(),
  unsubscribeText: z.string().min(1).max(60).optional(),
  translations: z
    .record(languageTag, promptTranslationSchema)
    .refine((t) => Object.keys(t).length <= 50, 'at most 50 languages')
    .optional(),
  iosGuidance: z.boolean().optional(),
});

export const vapidSubjectSchema = z
  .string()
  .max(500)
  .regex(
    /^(mailto:\S+@\S+|https:\/\/\S+)$/,
    'must be a mailto: address or an https: URL (RFC 8292 §2.1)',
  );

const uniqueCategories = z
  .array(categorySchema)
  .max(100)
  .refine(
    (cats) => new Set(cats.map((c) => c.id)).size === cats.length,
    'category ids must be unique',
  );

/** `required`: public calls naming an externalId must carry its `userHash`. */
export const identityVerificationSchema = z.enum(['required', 'off']);

export const siteCreateSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    origins: z.array(originSchema).max(50).default([]),
    categories: uniqueCategories.default([]),
    prompt: promptSchema.default({}),
    capping: cappingSchema.default({}),
    vapidSubject: vapidSubjectSchema.optional(),
    identityVerification: identityVerificationSchema.default('required'),
    /** An existing key pair (migrating from another vendor), so subscribers keep working. */
    vapidPublicKey: z.string().max(200).optional(),
    vapidPrivateKey: z.string().max(200).optional(),
  })
  .superRefine((site, ctx) => {
    const { vapidPublicKey: publicKey, vapidPrivateKey: privateKey } = site;
    if (publicKey === undefined && privateKey === undefined) return;
    if (publicKey === undefined || privateKey === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [publicKey === undefined ? 'vapidPublicKey' : 'vapidPrivateKey'],
        message: 'give both VAPID keys or neither',
      });
    } else if (!isVapidKeyPair({ publicKey, privateKey })) {
      ctx.addIssue({
        code: 'custom',
        path: ['vapidPrivateKey'],
        message: 'is not the private key of vapidPublicKey (base64url P-256 pair)',
      });
    }
  });

export const sitePatchSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  origins: z.array(originSchema).max(50).optional(),
  categories: uniqueCategories.optional(),
  prompt: promptSchema.optional(),
  capping: cappingSchema.optional(),
  vapidSubject: vapidSubjectSchema.optional(),
  identityVerification: identityVerificationSchema.optional(),
});

export const actionSchema = z.strictObject({
  action: z.string().min(1).max(64),
  title: z.string().min(1).max(100),
  url: contentUrl,
});

export const messageSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, _ . or -')
    .optional(),
  title: z.string().min(1).max(500),
  body: z.string().max(3000).default(''),
  url: contentUrl.optional(),
  icon: contentUrl.optional(),
  image: contentUrl.optional(),
  badge: contentUrl.optional(),
  actions: z.array(actionSchema).max(4).optional(),
  tag: z.string().max(200).optional(),
  requireInteraction: z.boolean().optional(),
  /** Title and body per language, picked by each subscriber's stored language. */
  translations: z
    .record(
      languageTag,
      z.strictObject({
        title: z.string().min(1).max(500).optional(),
        body: z.string().max(3000).optional(),
      }),
    )
    .refine((t) => Object.keys(t).length <= 50, 'at most 50 languages')
    .optional(),
});

const uniqueMessages = z
  .array(messageSchema)
  .min(1)
  .max(50)
  .refine((messages) => {
    const ids = messages.flatMap((m) => (m.id ? [m.id] : []));
    return new Set(ids).size === ids.length;
  }, 'message ids must be unique');

/** Attaches the campaign to an audience: each new member gets the message once. */
const evergreenSchema = z
  .strictObject({ audienceId: z.string().min(1), messageId: z.string().min(1).optional() })
  .nullable()
  .optional();

export const campaignCreateSchema = z.strictObject({
  name: z.string().min(1).max(200),
  messages: uniqueMessages,
  capping: cappingSchema.nullable().optional(),
  evergreen: evergreenSchema,
});

export const campaignPatchSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  messages: uniqueMessages.optional(),
  capping: cappingSchema.nullable().optional(),
  evergreen: evergreenSchema,
});

const idList = z.array(z.string().min(1).max(256)).max(10_000);

/** Who a send reaches: selectors combine with AND (API.md); one schema for every send. */
export const targetSchema = z.strictObject({
  all: z.literal(true).optional(),
  externalIds: idList.optional(),
  subscriberIds: idList.optional(),
  audiences: z.strictObject({ include: idList.optional(), exclude: idList.optional() }).optional(),
  categories: idList.optional(),
  siteIds: idList.optional(),
  subscribedBetween: z
    .strictObject({ from: utcTimestamp.optional(), to: utcTimestamp.optional() })
    .optional(),
}) satisfies z.ZodType<Target>;

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');
export const deliveryWindowSchema = z
  .strictObject({ start: localTime, end: localTime })
  .refine((w) => w.start !== w.end, 'start and end must differ');

/** RFC 8030 §5.3: how urgently the push service should deliver. */
export const urgencySchema = z
  .enum(['very-low', 'low', 'normal', 'high'])
  .meta({ id: 'Urgency' }) satisfies z.ZodType<Urgency>;

/** Seconds a push service keeps an undelivered push; RFC 8030 §5.2 leaves the maximum to it and FCM keeps 4 weeks. */
export const ttlSchema = z.number().int().min(0).max(2_419_200);

/**
 * Per-send content on top of a campaign message: one schema for `POST /v1/notifications`
 * and trigger `send` steps, so both refuse the same things (a `javascript:` url → 400).
 */
export const contentOverrideSchema = z
  .strictObject({
    title: z.string().min(1).max(500).optional(),
    body: z.string().max(3000).optional(),
    url: contentUrl.optional(),
    icon: contentUrl.optional(),
    image: contentUrl.optional(),
  })
  .meta({ id: 'ContentOverride' }) satisfies z.ZodType<ContentOverride>;

export const notificationCreateSchema = z.strictObject({
  campaignId: z.string().min(1),
  messageId: z.string().min(1).optional(),
  override: contentOverrideSchema.optional(),
  target: targetSchema,
  ttl: ttlSchema.default(2_419_200),
  urgency: urgencySchema.default('normal'),
  // RFC 8030 §5.4: at most 32 characters of the URL- and filename-safe base64 alphabet.
  topic: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 characters of base64url')
    .optional(),
  sendAt: utcTimestamp.optional(),
  ignoreCapping: z.boolean().default(false),
  /** Quiet hours: deliver only between these local times in each subscriber's timezone. */
  deliveryWindow: deliveryWindowSchema.optional(),
  /** Spreads the fan-out evenly: at most `perMinute` deliveries fall due each minute. */
  throttle: z.strictObject({ perMinute: z.number().int().min(1).max(1_000_000) }).optional(),
});

export const subscriptionSchema = z.strictObject({
  endpoint: z.string().min(1).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: base64url(P256DH_BYTES, 'keys.p256dh').refine(
      (s) => isP256Point(Buffer.from(s, 'base64url')),
      'keys.p256dh must be an uncompressed point on P-256',
    ),
    auth: base64url(AUTH_BYTES, 'keys.auth'),
  }),
});

const shortId = z.string().min(1).max(256);
/** HMAC-SHA256 in hex proving the externalId beside it (API.md "Identity verification"). */
const userHashSchema = z.string().max(128);

export const subscribeSchema = z.object({
  subscription: subscriptionSchema,
  oldEndpoint: z.string().min(1).max(2048).optional(),
  categories: z.array(z.string().max(64)).max(100).optional(),
  anonymousId: shortId.optional(),
  // null unlinks the browser from its user (logout); linking needs the userHash.
  externalId: shortId.nullable().optional(),
  userHash: userHashSchema.optional(),
  timezone: z.string().max(64).optional(),
  language: z.string().max(35).optional(),
});

export const unsubscribeSchema = z.object({
  endpoint: z.string().min(1).max(2048),
  /** Why (counted per site and day): the visitor unsubscribed, or the snippet found the permission revoked. */
  reason: z.enum(['unsubscribed', 'revoked']).optional(),
});

export const pixelEventSchema = z.object({
  type: z.enum(['page', 'track', 'identify']),
  event: z.string().min(1).max(200).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  traits: z.record(z.string(), z.unknown()).optional(),
  subscriberId: shortId.optional(),
  anonymousId: shortId.optional(),
  externalId: shortId.optional(),
  userHash: userHashSchema.optional(),
  timestamp: utcTimestamp.optional(),
  messageId: shortId.optional(),
});

export const pixelBatchSchema = z.union([
  pixelEventSchema,
  z.array(pixelEventSchema).min(1).max(100),
]);

export const receiptSchema = z.object({
  id: z.string().max(128).optional(),
  deliveryId: z.string().min(1).max(128),
  kind: z.enum(['shown', 'clicked', 'closed']),
  action: z.string().max(64).optional(),
  at: utcTimestamp.optional(),
});

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(256).optional(),
});
