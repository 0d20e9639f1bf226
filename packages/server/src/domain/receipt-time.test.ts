import { describe, expect, it } from 'vitest';
import { clampReceiptAt, RECEIPT_CLOCK_SLACK_MS } from './receipt-time.ts';

describe("a receipt's at", () => {
  const created = Date.parse('2026-12-01T10:00:00Z');
  const now = created + 60_000;

  it('is kept when it lies between the delivery and now + 5 minutes', () => {
    expect(clampReceiptAt(created + 1_000, created, now)).toBe(created + 1_000);
    expect(clampReceiptAt(now + RECEIPT_CLOCK_SLACK_MS, created, now)).toBe(
      now + RECEIPT_CLOCK_SLACK_MS,
    );
  });

  it('is clamped to the delivery creation when earlier, and to now + 5 minutes when later', () => {
    expect(clampReceiptAt(Date.parse('1999-01-01T00:00:00Z'), created, now)).toBe(created);
    expect(clampReceiptAt(Date.parse('2099-01-01T00:00:00Z'), created, now)).toBe(
      now + RECEIPT_CLOCK_SLACK_MS,
    );
  });
});
