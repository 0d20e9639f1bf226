import { newId } from '../storage/ids.ts';
import type { Job } from '../storage/jobs.ts';
import type { Store } from '../storage/store.ts';

export const FAN_OUT_JOB = 'notification.fan-out';

export interface FanOutPayload {
  notificationId: string;
  /** The last subscriber id written; the job resumes after it when it is taken over. */
  cursor: string | null;
}

/**
 * Turns a notification into one queued delivery per targeted subscriber, a page at a time.
 * Each page's deliveries and the job's cursor are written in one transaction, so a crash
 * repeats at most the page it was on, and the unique (notification, subscriber) key makes
 * that repeat harmless.
 */
export function createFanOut(deps: {
  store: Store;
  clock: () => number;
  pageSize: number;
  leaseMs: number;
  onDeliveriesQueued: () => void;
}) {
  const { store, clock } = deps;

  return async function runFanOut(job: Job): Promise<{ targeted: number }> {
    const payload = job.payload as FanOutPayload;
    const notification = await store.notifications.get(job.workspaceId, payload.notificationId);
    if (!notification) throw new Error(`notification ${payload.notificationId} not found`);
    if (notification.cancelled) return { targeted: job.progress.done };

    let cursor = payload.cursor;
    let done = job.progress.done;
    const total =
      job.progress.total ||
      (await store.targeting.count(job.workspaceId, notification.target, notification.sendAt));
    for (;;) {
      const page = await store.targeting.page(
        job.workspaceId,
        notification.target,
        cursor,
        deps.pageSize,
        notification.sendAt,
      );
      if (page.length === 0) break;
      const now = clock();
      cursor = page.at(-1)?.id ?? cursor;
      done += page.length;
      const nextPayload: FanOutPayload = { ...payload, cursor };
      await store.db.kysely.transaction().execute(async (trx) => {
        await store.deliveries.insertMany(
          page.map((subscriber) => ({
            id: newId('dlv'),
            notificationId: notification.id,
            workspaceId: notification.workspaceId,
            subscriberId: subscriber.id,
            siteId: subscriber.site_id,
            campaignId: notification.campaignId,
            messageId: notification.messageId,
            status: 'queued',
            nextAttemptAt: now,
            expiresAt: notification.expiresAt,
          })),
          trx,
        );
        await store.jobs.checkpoint(
          job.id,
          {
            done,
            total: Math.max(total, done),
            payload: nextPayload,
            leaseUntil: now + deps.leaseMs,
          },
          now,
          trx,
        );
      });
      deps.onDeliveriesQueued();
      if (page.length < deps.pageSize) break;
    }
    return { targeted: done };
  };
}
