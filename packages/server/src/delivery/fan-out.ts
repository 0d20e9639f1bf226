import type { Lane } from '../domain/lane.ts';
import type { Job } from '../storage/jobs.ts';
import type { Notification } from '../storage/notifications.ts';
import type { Store } from '../storage/store.ts';
import type { DeliveryRow } from '../storage/deliveries.ts';
import type { TargetRow } from '../storage/targeting.ts';
import { nextTurn } from './next-turn.ts';
import { queuedDeliveries } from './queued-deliveries.ts';

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
  /** Deliveries of `lane` were committed unleased: wake that lane's delivery loop, and only it. */
  onDeliveriesQueued: (lane: Lane) => void;
  /**
   * An express fan-out hands its deliveries straight to this process's delivery worker:
   * written leased in the slice's transaction when `reserve()` got a batch slot, then given
   * to `deliver` once committed (a crash leaves the leases to run out, as after a claim).
   */
  expressHandOff?: { reserve(): boolean; deliver(rows: DeliveryRow[]): void };
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
        const { cancelled, queuedUnleased } = await writeSlice(slices, slice, done, sliceCursor);
        if (cancelled) return { targeted: done };
        done += slice.length;
        if (queuedUnleased) deps.onDeliveriesQueued(job.lane);
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
   * One slice's deliveries and the checkpoint after it, in one transaction. The snapshot goes
   * with the last slice, or with a cancel. Express deliveries are handed to this process's
   * worker when it has a free slot (see `expressHandOff`).
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
  ): Promise<{ cancelled: boolean; queuedUnleased: boolean }> {
    const { job, notification } = of;
    const now = clock();
    const done = before + rows.length;
    const handOff =
      job.lane === 'express' && rows.length > 0 && deps.expressHandOff?.reserve()
        ? deps.expressHandOff
        : undefined;
    const leaseUntil = handOff ? now + deps.leaseMs : undefined;
    let leased: DeliveryRow[] = [];
    try {
      const written = await store.transaction((tx) => write(tx));
      // Committed: only now may they go (a rollback sends nothing and gives the slot back).
      leased = written.leased;
      return {
        cancelled: written.cancelled,
        queuedUnleased: !written.cancelled && rows.length > leased.length,
      };
    } finally {
      handOff?.deliver(leased);
    }

    async function write(tx: Store): Promise<{ cancelled: boolean; leased: DeliveryRow[] }> {
      // A cancel committed since the last page: write nothing more (see notifications.cancel).
      if (await tx.notifications.isCancelled(notification.id)) {
        if (of.snapshot) await tx.targeting.dropSnapshot(notification.id);
        return { cancelled: true, leased: [] };
      }
      const inserted = await tx.deliveries.insertMany(
        queuedDeliveries(notification, rows, before, now, job.lane, leaseUntil),
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
      // Only rows this transaction inserted, and leased because they were due.
      return { cancelled: false, leased: inserted };
    }
  }
}
