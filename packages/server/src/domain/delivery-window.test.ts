import { describe, expect, it } from 'vitest';
import { nextDeliveryTime } from './delivery-window.ts';

const at = (iso: string) => Date.parse(iso);

describe('nextDeliveryTime', () => {
  const day = { start: '09:00', end: '21:00' };

  it('delivers at once inside the window', () => {
    expect(nextDeliveryTime(at('2026-06-01T10:00:00Z'), day, 'UTC')).toBe(
      at('2026-06-01T10:00:00Z'),
    );
  });

  it("waits for the window to open in the subscriber's timezone", () => {
    // 22:30 in Berlin (UTC+2 in June): next 09:00 Berlin is 07:00Z the next day.
    expect(nextDeliveryTime(at('2026-06-01T20:30:00Z'), day, 'Europe/Berlin')).toBe(
      at('2026-06-02T07:00:00Z'),
    );
    // 05:00 in New York (UTC-4): 09:00 local is 13:00Z the same day.
    expect(nextDeliveryTime(at('2026-06-01T09:00:00Z'), day, 'America/New_York')).toBe(
      at('2026-06-01T13:00:00Z'),
    );
  });

  it('handles windows over midnight and unknown zones', () => {
    const night = { start: '21:00', end: '06:00' };
    expect(nextDeliveryTime(at('2026-06-01T23:00:00Z'), night, 'UTC')).toBe(
      at('2026-06-01T23:00:00Z'),
    );
    expect(nextDeliveryTime(at('2026-06-01T12:00:00Z'), night, 'Not/AZone')).toBe(
      at('2026-06-01T21:00:00Z'),
    );
  });
});
