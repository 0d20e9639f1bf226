import { describe, expect, it } from 'vitest';
import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import { triggerStats } from './trigger-feedback.ts';

const row = (id: string, notificationId: string, sentAt: number | null = null) =>
  ({ id, notification_id: notificationId, sent_at: sentAt }) as DeliveryRow;

describe('triggerStats', () => {
  const notifications = new Map([
    ['ntf_a', { triggerId: 'trg_b' }],
    ['ntf_b', { triggerId: 'trg_a' }],
    ['ntf_direct', { triggerId: null }],
  ]);

  it('counts a capped trigger send as capped, not sent, and a first push request as sent', () => {
    const recorded: Array<{ delivery: DeliveryRow; result: DeliveryResult }> = [
      { delivery: row('d1', 'ntf_a'), result: { kind: 'capped', requested: false } },
      { delivery: row('d2', 'ntf_a'), result: { kind: 'delivered', requested: true } },
      { delivery: row('d3', 'ntf_a'), result: { kind: 'retry', at: 1, reason: '503' } },
      // A retry of a delivery already requested once is not sent again.
      { delivery: row('d4', 'ntf_b', 5), result: { kind: 'delivered', requested: true } },
      {
        delivery: row('d5', 'ntf_b'),
        result: { kind: 'failed', reason: 'unsafe url', requested: false },
      },
      { delivery: row('d6', 'ntf_direct'), result: { kind: 'capped', requested: false } },
    ];
    expect(triggerStats(recorded, notifications)).toEqual([
      { triggerId: 'trg_b', sent: 2, capped: 1 },
    ]);
  });

  it('orders the increments by trigger id, so concurrent batches lock rows alike', () => {
    const recorded: Array<{ delivery: DeliveryRow; result: DeliveryResult }> = [
      { delivery: row('d1', 'ntf_a'), result: { kind: 'capped', requested: false } },
      { delivery: row('d2', 'ntf_b'), result: { kind: 'capped', requested: false } },
    ];
    expect(triggerStats(recorded, notifications).map((i) => i.triggerId)).toEqual([
      'trg_a',
      'trg_b',
    ]);
  });
});
