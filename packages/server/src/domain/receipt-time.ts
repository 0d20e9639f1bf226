/** How far ahead of the server's clock a device's clock may run (API.md: now + 5 minutes). */
export const RECEIPT_CLOCK_SLACK_MS = 5 * 60_000;

/**
 * A receipt's `at` comes from the visitor's device: it is clamped to [the delivery's
 * creation, now + 5 minutes], so a wrong or hostile clock (1999, 2099) cannot put a shown
 * or click before its push existed, nor in the future of the stats series.
 *
 * @example clampReceiptAt(Date.parse('1999-01-01T00:00:00Z'), createdAt, now) // createdAt
 */
export function clampReceiptAt(at: number, deliveryCreatedAt: number, now: number): number {
  return Math.min(Math.max(at, deliveryCreatedAt), now + RECEIPT_CLOCK_SLACK_MS);
}
