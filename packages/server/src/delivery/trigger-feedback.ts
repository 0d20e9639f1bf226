import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import type { Notification } from '../storage/notifications.ts';
import type { TriggerStatIncrement } from '../storage/triggers.ts';

/**
 * What a batch's outcomes add to the stats of the triggers that made their notifications:
 * `sent` for a delivery's first push request (as campaign stats count it), `capped` for a
 * delivery a cap skipped — so a capped trigger send is never counted as sent. Pure.
 *
 * @example triggerStats([{ delivery, result: { kind: 'capped', requested: false } }], byId)
 * // [{ triggerId: 'trg_1', sent: 0, capped: 1 }]
 */
export function triggerStats(
  recorded: ReadonlyArray<{ delivery: DeliveryRow; result: DeliveryResult }>,
  notifications: ReadonlyMap<string, Pick<Notification, 'triggerId'>>,
): TriggerStatIncrement[] {
  const byTrigger = new Map<string, TriggerStatIncrement>();
  for (const { delivery, result } of recorded) {
    const triggerId = notifications.get(delivery.notification_id)?.triggerId;
    if (!triggerId) continue;
    if (result.kind === 'released') continue;
    const requested = result.kind === 'retry' || result.requested;
    const sent = requested && delivery.sent_at === null ? 1 : 0;
    const capped = result.kind === 'capped' ? 1 : 0;
    if (sent + capped === 0) continue;
    let increment = byTrigger.get(triggerId);
    if (!increment) byTrigger.set(triggerId, (increment = { triggerId, sent: 0, capped: 0 }));
    increment.sent += sent;
    increment.capped += capped;
  }
  // One order for every batch, so two workers' transactions lock trigger rows alike.
  return [...byTrigger.values()].sort((a, b) => (a.triggerId < b.triggerId ? -1 : 1));
}
