import { FAN_OUT_JOB, type FanOutPayload } from '../delivery/fan-out.ts';
import { laneOf } from '../domain/lane.ts';
import { newId } from '../storage/ids.ts';
import type { Notification } from '../storage/notifications.ts';
import type { DbTransaction, Store } from '../storage/store.ts';

export type NewNotification = Omit<
  Notification,
  'id' | 'jobId' | 'cancelled' | 'createdAt' | 'expiresAt'
> & {
  /** A caller-chosen id makes the send idempotent (a trigger step that runs twice sends once). */
  id?: string;
};

/**
 * Stores a notification and its fan-out job in the caller's transaction (`tx`): once this
 * commits, the send will happen (at `sendAt`), whatever crashes after. A small or trigger
 * send's job goes in the express lane (domain/lane.ts), and so will its deliveries.
 *
 * @example await store.transaction((tx) => createNotification(tx, input, now));
 */
export async function createNotification(
  tx: Store,
  input: NewNotification,
  now: number,
  /** @deprecated a raw transaction, for http/ routes not yet on `store.transaction`. */
  trx?: DbTransaction,
): Promise<{ notificationId: string; jobId: string }> {
  const notification: Notification = {
    ...input,
    id: input.id ?? newId('ntf'),
    jobId: newId('job'),
    cancelled: false,
    createdAt: now,
    expiresAt: input.sendAt + input.ttl * 1000,
  };
  await tx.notifications.insert(notification, trx);
  const payload: FanOutPayload = { notificationId: notification.id, cursor: null };
  await tx.jobs.enqueue(
    {
      id: notification.jobId,
      workspaceId: input.workspaceId,
      kind: FAN_OUT_JOB,
      payload,
      runAt: input.sendAt,
      lane: laneOf(input.target, input),
    },
    now,
    trx,
  );
  return { notificationId: notification.id, jobId: notification.jobId };
}
