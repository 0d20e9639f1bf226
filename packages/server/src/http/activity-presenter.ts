import { z } from 'zod';
import type { ActivityEvent, ActivityPush } from '../storage/subscriber-activity.ts';
import { iso } from './presenters.ts';

const isoTime = z.iso.datetime();

const activityEventSchema = z
  .object({
    id: z.string(),
    type: z.enum(['page', 'track', 'identify']),
    name: z.string().nullable(),
    occurredAt: isoTime,
    receivedAt: isoTime,
    properties: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ActivityEvent' });

const activityPushSchema = z
  .object({
    deliveryId: z.string(),
    notificationId: z.string(),
    campaignId: z.string(),
    messageId: z.string(),
    status: z.enum(['queued', 'delivered', 'failed', 'expired', 'capped', 'cancelled']),
    lastError: z.string().nullable(),
    createdAt: isoTime,
    sentAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
    receipts: z
      .object({
        shown: isoTime.nullable(),
        clicked: isoTime.nullable(),
        closed: isoTime.nullable(),
      })
      .describe('When the service worker reported each; null when it has not'),
  })
  .meta({ id: 'ActivityPush' });

/** `GET /v1/subscribers/{id}/activity`: both lists newest first, each at most `limit` long. */
export const subscriberActivitySchema = z
  .object({ events: z.array(activityEventSchema), pushes: z.array(activityPushSchema) })
  .meta({ id: 'SubscriberActivity' });

export function subscriberActivityJson(
  events: ActivityEvent[],
  pushes: ActivityPush[],
): z.input<typeof subscriberActivitySchema> {
  return {
    events: events.map((e) => ({
      id: e.id,
      type: e.type as 'page' | 'track' | 'identify',
      name: e.name,
      occurredAt: iso(e.occurredAt),
      receivedAt: iso(e.receivedAt),
      properties: e.properties,
    })),
    pushes: pushes.map((p) => ({
      ...p,
      createdAt: iso(p.createdAt),
      sentAt: iso(p.sentAt),
      finishedAt: iso(p.finishedAt),
      receipts: {
        shown: iso(p.receipts.shown),
        clicked: iso(p.receipts.clicked),
        closed: iso(p.receipts.closed),
      },
    })),
  };
}
