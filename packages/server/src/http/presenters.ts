import { z } from 'zod';
import { vapidSubjectWarnings } from '../domain/vapid-subject.ts';
import type { Campaign, CampaignMessage, StatCounts } from '../storage/campaigns.ts';
import type { Job } from '../storage/jobs.ts';
import type { Site } from '../storage/sites.ts';
import type { SubscriberListing } from '../storage/subscribers.ts';
import { toIso } from './iso-time.ts';
import {
  cappingSchema,
  categorySchema,
  identityVerificationSchema,
  messageSchema,
  promptSchema,
} from './schemas.ts';

/** API shapes of stored records: ISO timestamps, and never a private key or secret. */
export function iso(ms: number): string;
export function iso(ms: number | null | undefined): string | null;
export function iso(ms: number | null | undefined) {
  return ms == null ? null : toIso(ms);
}

const isoTime = z.iso.datetime();

/** Something that works now but will hurt (a placeholder VAPID subject, say). */
export const warningSchema = z.object({ code: z.string(), field: z.string(), message: z.string() });

/** The prompt as stored: every setting filled in (domain/site-defaults.ts `completePrompt`). */
export const promptSettingsSchema = promptSchema
  .required()
  .extend({
    colors: promptSchema.shape.colors.unwrap().required(),
    // Newer settings: sites stored before them have none (the snippet has defaults).
    saveText: promptSchema.shape.saveText,
    unsubscribeText: promptSchema.shape.unsubscribeText,
    translations: promptSchema.shape.translations,
    iosGuidance: promptSchema.shape.iosGuidance,
  })
  .meta({ id: 'PromptSettings' });

/** `GET /v1/sites/{siteKey}/config`: what the snippet reads (wire.ts `SiteConfig`). */
export const siteConfigSchema = z
  .object({
    vapidPublicKey: z.string(),
    prompt: promptSettingsSchema,
    categories: z.array(categorySchema),
  })
  .meta({ id: 'SiteConfig' });

export const siteSchema = z
  .object({
    id: z.string(),
    siteKey: z.string().describe('Public: goes in the script tag'),
    name: z.string(),
    origins: z.array(z.string()),
    categories: z.array(categorySchema),
    prompt: promptSettingsSchema,
    capping: cappingSchema,
    vapidSubject: z.string(),
    vapidPublicKey: z.string(),
    identityVerification: identityVerificationSchema,
    createdAt: isoTime,
    updatedAt: isoTime,
    warnings: z.array(warningSchema),
  })
  .meta({ id: 'Site' });

export function siteJson(site: Site): z.input<typeof siteSchema> {
  return {
    id: site.id,
    siteKey: site.siteKey,
    name: site.name,
    origins: site.origins,
    categories: site.categories,
    prompt: site.prompt,
    capping: site.capping,
    vapidSubject: site.vapidSubject,
    vapidPublicKey: site.vapidPublicKey,
    // The identity secret is shown only on creation and rotation (see routes/sites.ts).
    identityVerification: site.identityVerification,
    createdAt: iso(site.createdAt),
    updatedAt: iso(site.updatedAt),
    /** What works now but will hurt (a placeholder VAPID subject); empty when all is well. */
    warnings: vapidSubjectWarnings(site.vapidSubject),
  };
}

export const subscriberSchema = z
  .object({
    id: z.string(),
    siteId: z.string(),
    endpoint: z.string(),
    categories: z.array(z.string()),
    timezone: z.string().nullable(),
    language: z.string().nullable(),
    anonymousId: z.string().nullable(),
    externalId: z.string().nullable(),
    createdAt: isoTime,
    lastSeenAt: isoTime,
  })
  .meta({ id: 'Subscriber' });

export function subscriberJson(s: SubscriberListing): z.input<typeof subscriberSchema> {
  return {
    id: s.id,
    siteId: s.siteId,
    endpoint: s.endpoint,
    categories: s.categories,
    timezone: s.timezone,
    language: s.language,
    anonymousId: s.anonymousId,
    externalId: s.externalId,
    createdAt: iso(s.createdAt),
    lastSeenAt: iso(s.lastSeenAt),
  };
}

/** A stored message: as written, with the id every message gets (API.md). */
export const campaignMessageSchema = messageSchema
  .extend({ id: z.string() })
  .meta({ id: 'CampaignMessage' }) satisfies z.ZodType<CampaignMessage>;

export const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    messages: z.array(campaignMessageSchema),
    capping: cappingSchema.nullable().describe("null: the site's caps apply"),
    evergreen: z
      .object({ audienceId: z.string(), messageId: z.string() })
      .nullable()
      .describe('Each new member of the audience gets this message once'),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Campaign' });

const count = z.number().int();
/** A campaign's counters (API.md "Campaign"): for the campaign and for each message. */
export const statCountsSchema = z.object({
  sent: count,
  delivered: count,
  failed: count,
  capped: count,
  shown: count,
  clicked: count,
  closed: count,
}) satisfies z.ZodType<StatCounts>;

export const campaignStatsSchema = statCountsSchema
  .extend({
    campaignId: z.string(),
    messages: z.array(statCountsSchema.extend({ messageId: z.string() })),
  })
  .meta({ id: 'CampaignStats' });

export function campaignJson(c: Campaign): z.input<typeof campaignSchema> {
  return {
    id: c.id,
    name: c.name,
    messages: c.messages,
    capping: c.capping,
    evergreen: c.audience,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

export const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    result: z
      .unknown()
      .optional()
      .describe("What the job produced, when it has (an import's counts)"),
    error: z.string().optional(),
    attempts: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Job' });

export function jobJson(job: Job): z.input<typeof jobSchema> {
  return {
    id: job.id,
    kind: job.kind,
    // A job waiting for its lease to be taken over is still running from the caller's view.
    status: job.status,
    progress: job.progress,
    ...(job.result !== undefined && job.result !== null && { result: job.result }),
    ...(job.error && { error: job.error }),
    attempts: job.attempts,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
  };
}
