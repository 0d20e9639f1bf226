import { FAN_OUT_JOB, type FanOutPayload } from '../delivery/fan-out.ts';
import { queuedDeliveries } from '../delivery/queued-deliveries.ts';
import { laneOf, type Lane, type Queued } from '../domain/lane.ts';
import type { DeliveryRow } from '../storage/deliveries.ts';
import { newId } from '../storage/ids.ts';
import type { Notification } from '../storage/notifications.ts';
import type { Store } from '../storage/store.ts';
import type { TargetRow } from '../storage/targeting.ts';
import type { Target } from '../domain/target.ts';

export type NewNotification = Omit<
  Notification,
  'id' | 'jobId' | 'cancelled' | 'createdAt' | 'expiresAt'
> & {
  /** A caller-chosen id makes the send idempotent (a trigger step that runs twice sends once). */
  id?: string;
  /** Chosen by a caller that must know it before the transaction (its idempotent answer). */
  jobId?: string;
};

/**
 * Deliveries written now may be leased to this process as they are inserted, up to `room`
 * of them (the express hand-off, see send-intake.ts); `room` counts down as they are.
 */
export interface LeaseRoom {
  leaseUntil: number;
  room: number;
}

/** The send's ids, and what it queued: the fan-out job, or its deliveries already (below). */
export interface CreatedNotification extends Queued {
  notificationId: string;
  jobId: string;
  /** Deliveries written leased (`lease`): the caller sends them once committed. */
  leased: DeliveryRow[];
  /** Deliveries written that wait for a claim (not leased). */
  unleased: number;
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
 * With `lease`, deliveries due now are written leased (see LeaseRoom) and returned.
 *
 * @example await store.transaction((tx) => createNotification(tx, input, now));
 */
export async function createNotification(
  tx: Store,
  input: NewNotification,
  now: number,
  lease?: LeaseRoom,
): Promise<CreatedNotification> {
  const [created] = await createNotifications(tx, [{ input, now }], lease);
  return created!;
}

/**
 * `createNotification` for several sends (a group commit, send-intake.ts) in a fixed number
 * of statements: one insert each for the notifications, their deliveries and their jobs, and
 * one target query per workspace for the sends that name users only (the rest, one each).
 *
 * @example await store.transaction((tx) => createNotifications(tx, [{ input, now }], lease));
 */
export async function createNotifications(
  tx: Store,
  sends: ReadonlyArray<{ input: NewNotification; now: number }>,
  lease?: LeaseRoom,
): Promise<CreatedNotification[]> {
  const made = sends.map(({ input, now }) => {
    const { jobId, ...fields } = input;
    const notification: Notification = {
      ...fields,
      id: input.id ?? newId('ntf'),
      jobId: jobId ?? newId('job'),
      cancelled: false,
      createdAt: now,
      expiresAt: input.sendAt + input.ttl * 1000,
    };
    return { notification, now, lane: laneOf(input.target, input) };
  });
  await tx.notifications.insertMany(made.map((m) => m.notification));
  const targets = await inlineTargets(tx, made.filter(fansOutNow));
  const deliveries = made.flatMap(({ notification, now, lane }) => {
    const rows = targets.get(notification);
    if (!rows) return [];
    // All or none of a send's rows: a batch handed off is at most `room` (one express batch).
    const leaseUntil = lease && rows.length <= lease.room ? lease.leaseUntil : undefined;
    if (lease && leaseUntil !== undefined) lease.room -= rows.length;
    return queuedDeliveries(notification, rows, 0, now, lane, leaseUntil);
  });
  const leased = await tx.deliveries.insertMany(deliveries);
  await tx.jobs.enqueueMany(
    made.map(({ notification, lane }) => {
      const targeted = targets.get(notification)?.length;
      const payload: FanOutPayload = { notificationId: notification.id, cursor: null };
      return {
        id: notification.jobId,
        workspaceId: notification.workspaceId,
        kind: FAN_OUT_JOB,
        payload,
        runAt: notification.sendAt,
        lane,
        ...(targeted !== undefined && { done: { progress: targeted, result: { targeted } } }),
      };
    }),
    made[0]?.now ?? 0,
  );
  return made.map(({ notification, lane }) => {
    const targeted = targets.get(notification)?.length;
    const mine = leased.filter((d) => d.notification_id === notification.id);
    return {
      notificationId: notification.id,
      jobId: notification.jobId,
      lane,
      fannedOut: targeted !== undefined,
      leased: mine,
      unleased: (targeted ?? 0) - mine.length,
    };
  });
}

/** An express send due now that names its users or subscribers (see createNotification). */
function fansOutNow(made: { notification: Notification; now: number; lane: Lane }): boolean {
  const { notification, now, lane } = made;
  const { target } = notification;
  return (
    lane === 'express' &&
    notification.sendAt <= now &&
    !!(target.externalIds ?? target.subscriberIds)
  );
}

/** A target naming users and nothing else: its subscribers are one index probe per user. */
const usersOnly = (target: Target): target is Target & { externalIds: string[] } =>
  target.externalIds !== undefined &&
  Object.entries(target).every(([key, value]) => key === 'externalIds' || value === undefined);

/**
 * The subscribers each send fans out to now, or none for a send that finds INLINE_MAX or
 * more (its job pages them, as a broadcast's does: delivery/fan-out.ts, same rows).
 */
async function inlineTargets(
  tx: Store,
  made: ReadonlyArray<{ notification: Notification }>,
): Promise<Map<Notification, TargetRow[]>> {
  const found = new Map<Notification, TargetRow[]>();
  const usersOf = new Map<string, Notification[]>();
  const oneByOne: Notification[] = [];
  for (const { notification } of made) {
    if (!usersOnly(notification.target)) oneByOne.push(notification);
    else if (usersOf.has(notification.workspaceId))
      usersOf.get(notification.workspaceId)!.push(notification);
    else usersOf.set(notification.workspaceId, [notification]);
  }
  for (const [workspaceId, notifications] of usersOf) {
    const limit = INLINE_MAX * notifications.length;
    const users = new Set(notifications.flatMap((n) => n.target.externalIds ?? []));
    const rows = await tx.targeting.ofExternalIds(workspaceId, [...users], limit);
    // Cut short: each send asks alone, as if it had come by itself.
    if (rows.length >= limit) {
      oneByOne.push(...notifications);
      continue;
    }
    const byUser = new Map<string, TargetRow[]>();
    for (const row of rows) {
      const list = byUser.get(row.external_id);
      if (list) list.push(row);
      else byUser.set(row.external_id, [row]);
    }
    for (const notification of notifications) {
      // A subscriber has one user: distinct users never repeat a row.
      const mine = [...new Set(notification.target.externalIds)].flatMap(
        (user) => byUser.get(user) ?? [],
      );
      if (mine.length < INLINE_MAX) found.set(notification, mine);
    }
  }
  for (const notification of oneByOne) {
    const rows = await tx.targeting.page(
      notification.workspaceId,
      notification.target,
      null,
      INLINE_MAX,
      notification.sendAt,
    );
    if (rows.length < INLINE_MAX) found.set(notification, rows);
  }
  return found;
}
