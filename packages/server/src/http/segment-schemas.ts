import { z } from 'zod';
import { utcTimestamp } from './schemas.ts';

/**
 * Segment's HTTP Tracking API shapes (identify, track, page, screen, group, alias, batch). Unknown fields
 * (context, integrations, channel, version…) are accepted unchanged, as a Segment or
 * RudderStack pipeline sends them; the fields we read are validated.
 */
const id = z.union([z.string().min(1).max(256), z.number()]).transform(String);
const record = z.record(z.string(), z.unknown());

const common = {
  userId: id.optional().nullable(),
  anonymousId: id.optional().nullable(),
  messageId: z.string().min(1).max(256).optional(),
  timestamp: utcTimestamp.optional(),
  sentAt: utcTimestamp.optional(),
  originalTimestamp: utcTimestamp.optional(),
  receivedAt: utcTimestamp.optional(),
  context: record.optional(),
  integrations: record.optional(),
};

export const segmentIdentifySchema = z.looseObject({
  ...common,
  traits: record.optional().nullable(),
});
export const segmentTrackSchema = z.looseObject({
  ...common,
  event: z.string().min(1).max(200),
  properties: record.optional().nullable(),
});
export const segmentPageSchema = z.looseObject({
  ...common,
  name: z.string().max(200).optional().nullable(),
  category: z.string().max(200).optional().nullable(),
  properties: record.optional().nullable(),
});
export const segmentScreenSchema = segmentPageSchema;
/** `group`: stored as the user's `group` trait, `{ groupId, traits }`. */
export const segmentGroupSchema = z.looseObject({
  ...common,
  groupId: id,
  traits: record.optional().nullable(),
});
/** `alias`: what was known as `previousId` (a user or an anonymous id) becomes `userId`'s. */
export const segmentAliasSchema = z.looseObject({
  ...common,
  previousId: id,
});

export const segmentBatchItemSchema = z.discriminatedUnion('type', [
  segmentIdentifySchema.extend({ type: z.literal('identify') }),
  segmentTrackSchema.extend({ type: z.literal('track') }),
  segmentPageSchema.extend({ type: z.enum(['page', 'screen']) }),
  segmentGroupSchema.extend({ type: z.literal('group') }),
  segmentAliasSchema.extend({ type: z.literal('alias') }),
]);

export const segmentBatchSchema = z.looseObject({
  batch: z.array(segmentBatchItemSchema).min(1).max(2_500),
  context: record.optional(),
  integrations: record.optional(),
  sentAt: utcTimestamp.optional(),
});

export type SegmentCall = z.output<typeof segmentBatchItemSchema>;
