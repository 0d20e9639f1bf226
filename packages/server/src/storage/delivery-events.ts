import type { OutEvent } from '../domain/webhook-events.ts';
import type { DeliveryResult, DeliveryRow, NewDelivery } from './delivery-types.ts';

const deliveryData = (d: DeliveryRow) => ({
  deliveryId: d.id,
  notificationId: d.notification_id,
  campaignId: d.campaign_id,
  messageId: d.message_id,
  subscriberId: d.subscriber_id,
  siteId: d.site_id,
});

/**
 * The events a batch of recorded outcomes produces: `delivery.sent` for a first push request
 * (the same rule as the `sent` counter), then the outcome, and `subscriber.deleted` (reason
 * `gone`) for a subscription the push service ended. Pure.
 */
export function deliveryEvents(
  results: ReadonlyArray<{ delivery: DeliveryRow; result: DeliveryResult }>,
  now: number,
): OutEvent[] {
  const events: OutEvent[] = [];
  for (const { delivery, result } of results) {
    if (result.kind === 'released') continue;
    const base = { workspaceId: delivery.workspace_id, subject: delivery.subscriber_id, at: now };
    const data = deliveryData(delivery);
    const requested = result.kind === 'retry' ? result.requested !== false : result.requested;
    if (requested && delivery.sent_at === null)
      events.push({ ...base, type: 'delivery.sent', data });
    if (result.kind === 'delivered') events.push({ ...base, type: 'delivery.delivered', data });
    if (result.kind === 'capped') events.push({ ...base, type: 'delivery.capped', data });
    if (result.kind === 'failed') {
      events.push({ ...base, type: 'delivery.failed', data: { ...data, reason: result.reason } });
      if (result.deleteSubscriber) {
        events.push({
          ...base,
          type: 'subscriber.deleted',
          data: { subscriberId: delivery.subscriber_id, siteId: delivery.site_id, reason: 'gone' },
        });
      }
    }
  }
  return events;
}

/** `delivery.capped` for the deliveries a fan-out writes already capped. Pure. */
export function cappedAtFanOut(rows: readonly NewDelivery[]): OutEvent[] {
  return rows
    .filter((r) => r.status === 'capped')
    .map((r) => ({
      workspaceId: r.workspaceId,
      type: 'delivery.capped' as const,
      subject: r.subscriberId,
      at: r.nextAttemptAt,
      data: {
        deliveryId: r.id,
        notificationId: r.notificationId,
        campaignId: r.campaignId,
        messageId: r.messageId,
        subscriberId: r.subscriberId,
        siteId: r.siteId,
      },
    }));
}
