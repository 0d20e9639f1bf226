/**
 * `throttle: { perMinute: n }` on a notification (API.md "Notifications: list, cancel,
 * throttle, priority"): its deliveries are spread evenly, the i-th (0-based, in fan-out
 * order) due i / n minutes after the send time. The due time is stored with each delivery,
 * so the pace holds across workers and restarts, and a delivery still due after the
 * notification's TTL expires unsent (never sent late).
 *
 * @example throttledAt(sendAt, 150, 100) // sendAt + 90 s
 */
export function throttledAt(sendAt: number, index: number, perMinute: number): number {
  return sendAt + Math.floor((index * 60_000) / perMinute);
}
