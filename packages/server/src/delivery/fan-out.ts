import { nextDeliveryTime } from '../domain/delivery-window.ts';
import { throttledAt } from '../domain/throttle.ts';
import { newIds } from '../storage/ids.ts';
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
  /** The target was resolved once into a snapshot (see targeting.snapshot); read from it. */
  snapshot?: boolean;
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
    let payload = job.payload as FanOutPayload;
    const notification = await store.notifications.get(job.workspaceId, payload.notificationId);
    if (!notification) throw new Error(`notification ${payload.notificationId} not found`);
    if (notification.cancelled) return { targeted: job.progress.done };

    let cursor = payload.cursor;
    let done = job.progress.done;
    let total = job.progress.total;
    // A target naming its users or subscribers is found through their indexes, a page at a
    // time; one naming audiences on PostgreSQL is resolved once into a snapshot; anything
    // else is scanned in windows of subscribers (see targeting.scan).
    const narrow = Boolean(notification.target.externalIds || notification.target.subscriberIds);
    const snapshot = !narrow && store.targeting.resolvesOnce(notification.target);
    if (snapshot && !payload.snapshot) {
      total = await store.targeting.snapshot(
        notification.id,
        job.workspaceId,
        notification.target,
        notification.sendAt,
      );
      payload = { ...payload, snapshot: true };
      const now = clock();
      await store.jobs.checkpoint(
        job.id,
        { done, total, payload, leaseUntil: now + deps.leaseMs },
        now,
      );
    } else if (!snapshot && !total) {
      total = await store.targeting.count(
        job.workspaceId,
        notification.target,
        notification.sendAt,
      );
    }
    const slices = { job, notification, payload, total, snapshot };
    for (;;) {
      // Shutting down: stop between pages; the checkpoint says where the next worker resumes.
      signal?.throwIfAborted();
      let rows: TargetRow[];
      let next: string | null;
      if (snapshot) {
        ({ rows, next } = await store.targeting.snapshotPage(notification.id, cursor, deps.window));
      } else if (narrow) {
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
        const cancelled = await writeSlice(slices, slice, done, sliceCursor);
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

  /**
   * One slice's deliveries and the checkpoint after it, in one transaction; true if cancelled.
   * The snapshot goes with the last slice, or with a cancel.
   */
  async function writeSlice(
    of: {
      job: Job;
      notification: Notification;
      payload: FanOutPayload;
      total: number;
      snapshot: boolean;
    },
    rows: TargetRow[],
    before: number,
    cursor: string | null,
  ): Promise<boolean> {
    const { job, notification } = of;
    const now = clock();
    const done = before + rows.length;
    return store.transaction(async (tx) => {
      // A cancel committed since the last page: write nothing more (see notifications.cancel).
      if (await tx.notifications.isCancelled(notification.id)) {
        if (of.snapshot) await tx.targeting.dropSnapshot(notification.id);
        return true;
      }
      const ids = newIds('dlv', rows.length);
      await tx.deliveries.insertMany(
        rows.map((subscriber, i) => {
          const due = notification.throttle
            ? throttledAt(notification.sendAt, before + i, notification.throttle.perMinute)
            : now;
          return {
            id: ids[i] as string,
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
      );
      await tx.jobs.checkpoint(
        job.id,
        {
          done,
          total: Math.max(of.total, done),
          payload: { ...of.payload, cursor } satisfies FanOutPayload,
          leaseUntil: now + deps.leaseMs,
        },
        now,
      );
      if (of.snapshot && cursor === null) await tx.targeting.dropSnapshot(notification.id);
      return false;
    });
  }
}
