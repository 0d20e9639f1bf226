import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  isFinished,
  NOTIFICATION_STATUSES,
  notificationStatus,
  type NotificationStatus,
} from '../../domain/notification-status.ts';
import { MAX_PAYLOAD_BYTES, payloadSize, resolveContent } from '../../domain/payload.ts';
import { namesASelector } from '../../domain/target.ts';
import { newId } from '../../storage/ids.ts';
import type { Notification } from '../../storage/notifications.ts';
import { parseCursor } from '../../storage/notification-list.ts';
import type { NotificationCounts } from '../../storage/deliveries.ts';
import type { RouteDeps } from '../context.ts';
import {
  apiKeySecurity,
  idempotencyHeaders,
  idParams,
  jsonBody,
  jsonResponse,
  pageOf,
  problemResponses,
} from '../openapi-parts.ts';
import { replayIdempotent } from '../idempotent.ts';
import { iso } from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { notificationCreateSchema, pageQuerySchema, urgencySchema } from '../schemas.ts';

const listQuery = pageQuerySchema.extend({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  campaignId: z.string().max(64).optional(),
  cursor: z
    .string()
    .max(128)
    .refine((cursor) => parseCursor(cursor) !== undefined, 'is not a cursor from this list')
    .optional(),
});

const notCancellable = (id: string, status: NotificationStatus) =>
  new ProblemError(
    409,
    'Conflict',
    `Notification ${id} is already ${status}: nothing is left to cancel`,
  );

const count = z.number().int();
const isoTime = z.iso.datetime();

/** A notification as `GET /v1/notifications/{id}` shows it: status and its deliveries' counts. */
export const notificationSchema = z
  .object({
    id: z.string(),
    status: z.enum(NOTIFICATION_STATUSES),
    campaignId: z.string(),
    messageId: z.string(),
    jobId: z.string(),
    sendAt: isoTime,
    expiresAt: isoTime,
    ttl: count,
    urgency: urgencySchema,
    topic: z.string().nullable(),
    createdAt: isoTime,
    counts: z.object({
      targeted: count,
      sent: count,
      delivered: count,
      failed: count,
      capped: count,
      expired: count,
      cappingIgnored: count,
      cancelled: count,
      pending: count.describe('Deliveries still queued'),
    }),
    failureReasons: z.array(z.object({ reason: z.string(), count })),
  })
  .meta({ id: 'Notification' });

const acceptedSchema = z.object({ notificationId: z.string(), jobId: z.string() });

const tags = ['Notifications'];

const sendNotification = createRoute({
  method: 'post',
  path: '/',
  summary: 'Send a campaign message now or at sendAt (Idempotency-Key supported)',
  description: 'A payload over 3,993 bytes is refused with 413 before anything is queued.',
  tags,
  security: apiKeySecurity,
  request: { headers: idempotencyHeaders, body: jsonBody(notificationCreateSchema) },
  responses: { 202: jsonResponse('Accepted', acceptedSchema), ...problemResponses },
});

const listNotifications = createRoute({
  method: 'get',
  path: '/',
  summary: 'List notifications, newest first',
  tags,
  security: apiKeySecurity,
  request: { query: listQuery },
  responses: {
    200: jsonResponse('One page of notifications', pageOf(notificationSchema)),
    ...problemResponses,
  },
});

const getNotification = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'Status, counts and failure reasons of a notification',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 200: jsonResponse('The notification', notificationSchema), ...problemResponses },
});

const cancelNotification = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  summary: 'Cancel: nothing more is sent (409 once sent, failed or cancelled)',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: {
    200: jsonResponse('The cancelled notification', notificationSchema),
    ...problemResponses,
  },
});

export function notificationRoutes({ store, clock, sends }: RouteDeps) {
  const app = createRouter();

  handle(
    app,
    sendNotification,
    async (c, { body: input }) => {
      const workspaceId = c.get('workspace').id;
      const idempotencyKey = c.req.header('idempotency-key');
      if (!namesASelector(input.target)) {
        throw new ProblemError(400, 'Invalid request', 'target must name at least one selector', [
          { path: 'target', message: 'name a selector, or { "all": true } for everyone' },
        ]);
      }
      const audienceIds = [
        ...(input.target.audiences?.include ?? []),
        ...(input.target.audiences?.exclude ?? []),
      ];
      for (const audienceId of new Set(audienceIds)) {
        if (!(await store.audiences.get(workspaceId, audienceId)))
          throw notFound(`Audience ${audienceId}`);
      }
      const campaign = await store.campaigns.get(workspaceId, input.campaignId);
      if (!campaign) throw notFound('Campaign');
      const message = input.messageId
        ? campaign.messages.find((m) => m.id === input.messageId)
        : campaign.messages[0];
      if (!message) {
        throw new ProblemError(
          400,
          'Invalid request',
          `The campaign has no message ${input.messageId}`,
          [{ path: 'messageId', message: 'is not a message of this campaign' }],
        );
      }
      const content = resolveContent(message, input.override);
      const size = payloadSize(content);
      if (size > MAX_PAYLOAD_BYTES) {
        throw new ProblemError(
          413,
          'Payload Too Large',
          `The push payload would be ${size} bytes; at most ${MAX_PAYLOAD_BYTES} fit in 4096 encrypted bytes (RFC 8291 §4)`,
        );
      }

      const now = clock();
      const sendAt = Math.max(now, input.sendAt ?? now);
      const accepted = await sends.send({
        workspaceId,
        idempotencyKey,
        now,
        notification: {
          id: newId('ntf'),
          workspaceId,
          campaignId: campaign.id,
          messageId: message.id,
          content,
          target: input.target,
          ttl: input.ttl,
          urgency: input.urgency,
          topic: input.topic ?? null,
          ignoreCapping: input.ignoreCapping,
          sendAt,
          deliveryWindow: input.deliveryWindow ?? null,
          throttle: input.throttle ?? null,
        },
      });
      return c.json(accepted, 202);
    },
    { before: [replayIdempotent({ store, clock })] },
  );

  handle(app, listNotifications, async (c, { query }) => {
    const { limit, cursor, status, campaignId } = query;
    const workspaceId = c.get('workspace').id;
    const page = await store.notifications.list(
      workspaceId,
      { status, campaignId },
      { limit, cursor },
      clock(),
    );
    // Each item as GET /v1/notifications/{id} shows it.
    const data = await presentMany(workspaceId, page.data);
    return c.json({ data, nextCursor: page.nextCursor });
  });

  handle(app, getNotification, async (c, { params }) => {
    const notification = await store.notifications.get(c.get('workspace').id, params.id);
    if (!notification) throw notFound('Notification');
    return c.json(await present(notification));
  });

  handle(app, cancelNotification, async (c, { params: { id } }) => {
    const workspaceId = c.get('workspace').id;
    const notification = await store.notifications.get(workspaceId, id);
    if (!notification) throw notFound('Notification');
    const before = await present(notification);
    // A cancel racing another, or a notification finished meanwhile, changes nothing: 409.
    if (isFinished(before.status) || !(await store.notifications.cancel(workspaceId, id, clock())))
      throw notCancellable(id, isFinished(before.status) ? before.status : 'cancelled');
    return c.json(await present({ ...notification, cancelled: true }));
  });

  async function present(notification: Notification) {
    const [shown] = await presentMany(notification.workspaceId, [notification]);
    return shown as NonNullable<typeof shown>;
  }

  /**
   * The API shape of notifications: status and their deliveries' counts, in three grouped
   * reads however many there are (a page of the list holds up to 500).
   *
   * The jobs are read before the deliveries, never beside them: each read sees what was
   * committed when it started (PostgreSQL, read committed), and a fan-out commits its
   * deliveries before it marks its job succeeded. Read side by side on two connections, the
   * counts could be read just before a fan-out's last slice and the job just after its end:
   * `sent` with nothing targeted (seen in test/capping.test.ts, two worker processes).
   */
  async function presentMany(workspaceId: string, notifications: readonly Notification[]) {
    const ids = notifications.map((n) => n.id);
    const jobs = await store.jobs.getMany(
      workspaceId,
      notifications.map((n) => n.jobId),
    );
    const [counts, reasons] = await Promise.all([
      store.deliveries.countsMany(ids),
      store.deliveries.failureReasonsMany(ids),
    ]);
    const now = clock();
    return notifications.map((notification) => {
      const { queued, ...publicCounts } = counts.get(notification.id) as NotificationCounts;
      return {
        id: notification.id,
        status: notificationStatus(notification, jobs.get(notification.jobId), queued, now),
        campaignId: notification.campaignId,
        messageId: notification.messageId,
        jobId: notification.jobId,
        sendAt: iso(notification.sendAt),
        expiresAt: iso(notification.expiresAt),
        ttl: notification.ttl,
        urgency: notification.urgency,
        topic: notification.topic,
        throttle: notification.throttle ?? null,
        createdAt: iso(notification.createdAt),
        counts: { ...publicCounts, pending: queued },
        failureReasons: reasons.get(notification.id) ?? [],
      };
    });
  }

  return app;
}
