import { nextDeliveryTime } from '../domain/delivery-window.ts';
import { newId } from '../storage/ids.ts';
import type { Job } from '../storage/jobs.ts';
import type { Store } from '../storage/store.ts';
import type { TargetRow } from '../storage/targeting.ts';

export const FAN_OUT_JOB = 'notification.fan-out';

export interface FanOutPayload {
  notificationId: string;
  /** Where the next page or window starts; the job resumes there when it is taken over. */
  cursor: string | null;
}

/**
 * Turns a notification into one queued delivery per targeted subscriber, a page at a time.
 * Each page's deliveries and the job's cursor are written in one transaction, so a crash
 * repeats at most the page it was on, and the unique (notification, subscriber) key makes
 * that repeat harmless. With a delivery window (quiet hours) each delivery is due when the
 * window opens in its subscriber's timezone.
 */
export function createFanOut(deps: {
  store: Store;
  clock: () => number;
  pageSize: number;
  /** Subscribers per window when a broad target is scanned. */
  window: number;
  leaseMs: number;
  onDeliveriesQueued: () => void;
}) {
  const { store, clock } = deps;

  return async function runFanOut(job: Job, signal?: AbortSignal): Promise<{ targeted: number }> {
    const payload = job.payload as FanOutPayload;
    const notification = await store.notifications.get(job.workspaceId, payload.notificationId);
    if (!notification) throw new Error(`notification ${payload.notificationId} not found`);
    if (notification.cancelled) return { targeted: job.progress.done };

    let cursor = payload.cursor;
    let done = job.progress.done;
    const total =
      job.progress.total ||
      (await store.targeting.count(job.workspaceId, notification.target, notification.sendAt));
    // A target naming its users or subscribers is found through their indexes, a page at a
    // time; anything broader is scanned in windows of subscribers (see targeting.scan).
    const narrow = Boolean(notification.target.externalIds || notification.target.subscriberIds);
    for (;;) {
      // Shutting down: stop between pages; the checkpoint says where the next worker resumes.
      signal?.throwIfAborted();
      let rows: TargetRow[];
      let next: string | null;
      if (narrow) {
        rows = await store.targeting.page(
          job.workspaceId,
          notification.target,
          cursor,
          deps.pageSize,
          notification.sendAt,
        );
        next = rows.length < deps.pageSize ? null : (rows.at(-1)?.id ?? null);
      } else {
        ({ rows, next } = await store.targeting.scan(
          job.workspaceId,
          notification.target,
          cursor,
          deps.window,
          notification.sendAt,
        ));
      }
      const now = clock();
      done += rows.length;
      const nextPayload: FanOutPayload = { ...payload, cursor: next };
      const cancelled = await store.db.kysely.transaction().execute(async (trx) => {
        // A cancel committed since the last page: write nothing more (see notifications.cancel).
        if (await store.notifications.isCancelled(notification.id, trx)) return true;
        await store.deliveries.insertMany(
          rows.map((subscriber) => ({
            id: newId('dlv'),
            notificationId: notification.id,
            workspaceId: notification.workspaceId,
            subscriberId: subscriber.id,
            siteId: subscriber.site_id,
            campaignId: notification.campaignId,
            messageId: notification.messageId,
            status: 'queued',
            nextAttemptAt: notification.deliveryWindow
              ? nextDeliveryTime(now, notification.deliveryWindow, subscriber.timezone)
              : now,
            expiresAt: notification.expiresAt,
            cappingIgnored: notification.ignoreCapping,
            lane: job.lane,
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
        return false;
      });
      if (cancelled) break;
      if (rows.length > 0) deps.onDeliveriesQueued();
      if (next === null) break;
      cursor = next;
    }
    return { targeted: done };
  };
}
