import { nextDeliveryTime } from '../domain/delivery-window.ts';
import type { Lane } from '../domain/lane.ts';
import { throttledAt } from '../domain/throttle.ts';
import type { NewDelivery } from '../storage/deliveries.ts';
import { newIds } from '../storage/ids.ts';
import type { Notification } from '../storage/notifications.ts';
import type { TargetRow } from '../storage/targeting.ts';

/**
 * The queued deliveries of a notification for some of its targeted subscribers, the first
 * being the `before`-th of the whole fan-out: each is due now, or with a throttle `before + i`
 * perMinute-ths of a minute after the send time, and with a delivery window (quiet hours)
 * when that window next opens in its subscriber's timezone. With `leaseUntil` (an express
 * hand-off, see fan-out.ts) those due now are written leased to this process.
 *
 * @example await tx.deliveries.insertMany(queuedDeliveries(notification, rows, 0, now, 'express'));
 */
export function queuedDeliveries(
  notification: Notification,
  rows: readonly TargetRow[],
  before: number,
  now: number,
  lane: Lane,
  leaseUntil?: number,
): NewDelivery[] {
  const ids = newIds('dlv', rows.length);
  return rows.map((subscriber, i) => {
    const due = notification.throttle
      ? throttledAt(notification.sendAt, before + i, notification.throttle.perMinute)
      : now;
    const nextAttemptAt = notification.deliveryWindow
      ? nextDeliveryTime(due, notification.deliveryWindow, subscriber.timezone)
      : due;
    return {
      id: ids[i]!,
      notificationId: notification.id,
      workspaceId: notification.workspaceId,
      subscriberId: subscriber.id,
      siteId: subscriber.site_id,
      campaignId: notification.campaignId,
      messageId: notification.messageId,
      status: 'queued',
      nextAttemptAt,
      expiresAt: notification.expiresAt,
      cappingIgnored: notification.ignoreCapping,
      lane,
      // Handed off only when due now; a later one (quiet hours) waits for its claim.
      ...(leaseUntil !== undefined && nextAttemptAt <= now && { leaseUntil }),
    };
  });
}
