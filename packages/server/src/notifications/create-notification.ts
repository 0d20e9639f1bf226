import { FAN_OUT_JOB, type FanOutPayload } from '../delivery/fan-out.ts';
import { queuedDeliveries } from '../delivery/queued-deliveries.ts';
import { laneOf, type Lane, type Queued } from '../domain/lane.ts';
import { newId } from '../storage/ids.ts';
import type { Notification } from '../storage/notifications.ts';
import type { Store } from '../storage/store.ts';

export type NewNotification = Omit<
  Notification,
  'id' | 'jobId' | 'cancelled' | 'createdAt' | 'expiresAt'
> & {
  /** A caller-chosen id makes the send idempotent (a trigger step that runs twice sends once). */
  id?: string;
};

/** The send's ids, and what it queued: the fan-out job, or its deliveries already (below). */
export interface CreatedNotification extends Queued {
  notificationId: string;
  jobId: string;
}

/**
 * Subscribers a send may fan out to inside its own transaction. A send naming ≤ 100 ids
 * (express) rarely finds more; one that does leaves them to the job, as a broadcast does.
 */
const INLINE_MAX = 500;

/**
 * Stores a notification and its fan-out job in the caller's transaction (`tx`): once this
 * commits, the send will happen (at `sendAt`), whatever crashes after. A small or trigger
 * send's job goes in the express lane (domain/lane.ts), and so will its deliveries.
 *
 * An express send due now that names its users or subscribers is fanned out right here:
 * their deliveries are written in the same transaction and its job is stored `succeeded`
 * with the count, so the push waits for no job claim, target query or second transaction
 * (issue 14: about half the statements of a one-user send).
 *
 * @example await store.transaction((tx) => createNotification(tx, input, now));
 */
export async function createNotification(
  tx: Store,
  input: NewNotification,
  now: number,
): Promise<CreatedNotification> {
  const notification: Notification = {
    ...input,
    id: input.id ?? newId('ntf'),
    jobId: newId('job'),
    cancelled: false,
    createdAt: now,
    expiresAt: input.sendAt + input.ttl * 1000,
  };
  const lane = laneOf(input.target, input);
  await tx.notifications.insert(notification);
  const targeted = await fanOutNow(tx, notification, lane, now);
  const payload: FanOutPayload = { notificationId: notification.id, cursor: null };
  await tx.jobs.enqueue(
    {
      id: notification.jobId,
      workspaceId: input.workspaceId,
      kind: FAN_OUT_JOB,
      payload,
      runAt: input.sendAt,
      lane,
      ...(targeted !== undefined && { done: { progress: targeted, result: { targeted } } }),
    },
    now,
  );
  return {
    notificationId: notification.id,
    jobId: notification.jobId,
    lane,
    fannedOut: targeted !== undefined,
  };
}

/**
 * Writes the deliveries of an express send due now that names ids, returning how many;
 * undefined leaves the send to its fan-out job (delivery/fan-out.ts, same rows).
 */
async function fanOutNow(
  tx: Store,
  notification: Notification,
  lane: Lane,
  now: number,
): Promise<number | undefined> {
  const { target } = notification;
  if (lane !== 'express' || notification.sendAt > now) return undefined;
  if (!target.externalIds && !target.subscriberIds) return undefined;
  const rows = await tx.targeting.page(
    notification.workspaceId,
    target,
    null,
    INLINE_MAX,
    notification.sendAt,
  );
  if (rows.length >= INLINE_MAX) return undefined;
  await tx.deliveries.insertMany(queuedDeliveries(notification, rows, 0, now, lane));
  return rows.length;
}
