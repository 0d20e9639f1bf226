import { describe, expect, it } from 'vitest';
import { isFinished, notificationStatus } from './notification-status.ts';

const live = { cancelled: false, sendAt: 1_000 };

describe('notificationStatus', () => {
  it('says cancelled before anything else, even while deliveries are queued', () => {
    expect(notificationStatus({ ...live, cancelled: true }, { status: 'running' }, 5, 0)).toBe(
      'cancelled',
    );
  });

  it('says scheduled while the fan-out job waits for a sendAt in the future', () => {
    expect(notificationStatus(live, { status: 'queued' }, 0, 999)).toBe('scheduled');
    expect(notificationStatus(live, { status: 'queued' }, 0, 1_000)).toBe('sending');
  });

  it('says sending while deliveries are queued after the fan-out succeeded', () => {
    expect(notificationStatus(live, { status: 'succeeded' }, 1, 2_000)).toBe('sending');
    expect(notificationStatus(live, { status: 'succeeded' }, 0, 2_000)).toBe('sent');
  });

  it('says sent when the job was pruned and nothing is queued', () => {
    expect(notificationStatus(live, undefined, 0, 2_000)).toBe('sent');
  });

  it('treats sent, failed and cancelled as finished, and nothing else', () => {
    expect(['sent', 'failed', 'cancelled'].every((s) => isFinished(s as never))).toBe(true);
    expect(isFinished('sending') || isFinished('scheduled')).toBe(false);
  });
});
