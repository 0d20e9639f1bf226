import { nextDeliveryTime } from '../domain/delivery-window.ts';
import { throttledAt } from '../domain/throttle.ts';
import { newId } from '../storage/ids.ts';
import type { Job } from '../storage/jobs.ts';
import type { Notification } from '../storage/notifications.ts';
import type { Store } from '../storage/store.ts';
import type { TargetRow } from '../storage/targeting.ts';
import { nextTurn } from './next-turn.ts';

export const FAN_OUT_JOB = 'notification.fan-out';

export interface FanOutPayload {
  notificationId: string;
  /** Where the next page or window starts; the job resumes there when it is taken over. */
  cursor: string | null;
}

/** Deliveries written per transaction: a window is committed in slices of this many. */
const WRITE_SLICE = 2_000;

/**
 * Turns a notification into one queued delivery per targeted subscriber, a page at a time.
 * Each slice's deliveries and the job's cursor are written in one transaction, so a crash
 * repeats at most the slice it was on, and the unique (notification, subscriber) key makes
 * that repeat harmless. Slices stay small and the job yields between them, so a broadcast's
 * fan-out never holds the database (SQLite has one connection) or the event loop for long.
 * With a delivery window (quiet hours) each delivery is due when the window opens in its
 * subscriber's timezone; with a throttle, the n-th is due n / perMinute minutes after the
 * send time.
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
      // Rows come in id order and a cursor means "after this id", so a slice's last id is
      // a valid cursor; the window's own end goes with its last slice.
      for (let at = 0; at === 0 || at < rows.length; at += WRITE_SLICE) {
        const slice = rows.slice(at, at + WRITE_SLICE);
        const last = at + WRITE_SLICE >= rows.length;
        const sliceCursor = last ? next : (slice.at(-1)?.id ?? next);
        const cancelled = await writeSlice(job, notification, slice, done, total, sliceCursor);
        if (cancelled) return { targeted: done };
        done += slice.length;
        if (slice.length > 0) deps.onDeliveriesQueued();
        if (!last) {
          signal?.throwIfAborted();
          await nextTurn();
        }
      }
      if (next === null) break;
      cursor = next;
      await nextTurn();
    }
    return { targeted: done };
  };

  /** One slice's deliveries and the checkpoint after it, in one transaction; true if cancelled. */
  async function writeSlice(
    job: Job,
    notification: Notification,
    rows: TargetRow[],
    before: number,
    total: number,
    cursor: string | null,
  ): Promise<boolean> {
    const payload = job.payload as FanOutPayload;
    const now = clock();
    const done = before + rows.length;
    return store.db.kysely.transaction().execute(async (trx) => {
      // A cancel committed since the last page: write nothing more (see notifications.cancel).
      if (await store.notifications.isCancelled(notification.id, trx)) return true;
      await store.deliveries.insertMany(
        rows.map((subscriber, i) => {
          const due = notification.throttle
            ? throttledAt(notification.sendAt, before + i, notification.throttle.perMinute)
            : now;
          return {
            id: newId('dlv'),
            notificationId: notification.id,
            workspaceId: notification.workspaceId,
            subscriberId: subscriber.id,
            siteId: subscriber.site_id,
            campaignId: notification.campaignId,
            messageId: notification.messageId,
            status: 'queued',
            nextAttemptAt: notification.deliveryWindow
              ? nextDeliveryTime(due, notification.deliveryWindow, subscriber.timezone)
              : due,
            expiresAt: notification.expiresAt,
            cappingIgnored: notification.ignoreCapping,
            lane: job.lane,
          };
        }),
        trx,
      );
      await store.jobs.checkpoint(
        job.id,
        {
          done,
          total: Math.max(total, done),
          payload: { ...payload, cursor } satisfies FanOutPayload,
          leaseUntil: now + deps.leaseMs,
        },
        now,
        trx,
      );
      return false;
    });
  }
}
