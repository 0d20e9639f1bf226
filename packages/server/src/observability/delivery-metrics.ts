import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import type { Notification } from '../storage/notifications.ts';
import type { SendResult } from '../delivery/push-sender.ts';
import type { Metrics } from './metrics.ts';

/** Distinct endpoint prefixes an answer counter keeps the origin of (push services are few). */
const MAX_ORIGINS = 1_000;

/**
 * `beckon_push_responses_total`: one per request made, by push-service origin and status.
 * The origin is parsed once per endpoint prefix (scheme and host), not per answer: a
 * `new URL` for every push was most of what counting one cost.
 *
 * @example const count = createAnswerCounter(metrics); count(endpoint, result);
 */
export function createAnswerCounter(metrics: Metrics) {
  const origins = new Map<string, string>();
  return function countAnswer(endpoint: string, result: SendResult): void {
    if (result.kind !== 'answered' && result.kind !== 'unreachable') return;
    const status = result.kind === 'answered' ? String(result.answer.statusCode) : '0';
    const slash = endpoint.indexOf('/', endpoint.indexOf('//') + 2);
    const prefix = slash === -1 ? endpoint : endpoint.slice(0, slash);
    let origin = origins.get(prefix);
    if (origin === undefined) {
      origin = originOf(prefix);
      if (origins.size < MAX_ORIGINS) origins.set(prefix, origin);
    }
    metrics.pushResponses.inc({ origin, status });
  };
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
