import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import type { Notification } from '../storage/notifications.ts';
import type { SendResult } from '../delivery/push-sender.ts';
import type { Metrics } from './metrics.ts';

/** `beckon_push_responses_total`: one per request made, by push-service origin and status. */
export function countAnswers(
  metrics: Metrics,
  endpoints: readonly string[],
  results: readonly SendResult[],
): void {
  results.forEach((result, i) => {
    if (result.kind !== 'answered' && result.kind !== 'unreachable') return;
    const status = result.kind === 'answered' ? String(result.answer.statusCode) : '0';
    metrics.pushResponses.inc({ origin: originOf(endpoints[i]), status });
  });
}

/**
 * `beckon_deliveries_total{outcome}` for recorded outcomes, and the latency of each delivered
 * one: from its notification's acceptance (or scheduled time, if later) to `answeredAt`.
 */
export function countOutcomes(
  metrics: Metrics,
  recorded: ReadonlyArray<{ delivery: DeliveryRow; result: DeliveryResult }>,
  notifications: ReadonlyMap<string, Notification> | undefined,
  answeredAt: number,
): void {
  for (const { delivery, result } of recorded) {
    if (result.kind === 'released') continue;
    metrics.deliveries.inc({ outcome: result.kind });
    const notification = notifications?.get(delivery.notification_id);
    if (result.kind === 'delivered' && notification) {
      const accepted = Math.max(notification.createdAt, notification.sendAt);
      metrics.deliveryLatency.observe(Math.max(0, answeredAt - accepted) / 1000);
    }
  }
}

/** Only the origin: a push endpoint's path names one browser. */
function originOf(endpoint: string | undefined): string {
  try {
    return endpoint ? new URL(endpoint).origin : 'unknown';
  } catch {
    return 'unknown';
  }
}
