/**
 * Quiet hours: a notification may ask to be delivered only between two local times in
 * each subscriber's timezone (e.g. 09:00–21:00). A window whose start is after its end
 * runs over midnight (21:00–06:00). Pure: the caller passes the clock.
 */
export interface DeliveryWindow {
  start: string;
  end: string;
}

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Minutes since local midnight in `timeZone` (an unknown zone counts as UTC). */
export function localMinutes(at: number, timeZone: string | null): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: timeZone ?? 'UTC',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(at);
  } catch {
    return localMinutes(at, 'UTC');
  }
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/** The earliest time at or after `now` that falls inside the window, in the subscriber's zone. */
export function nextDeliveryTime(
  now: number,
  window: DeliveryWindow,
  timeZone: string | null,
): number {
  const start = minutes(window.start);
  const end = minutes(window.end);
  const local = localMinutes(now, timeZone);
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  if (inside) return now;
  const wait = (start - local + 24 * 60) % (24 * 60);
  // Start of the window's first minute; seconds of `now` are dropped so it is not late.
  return now - (now % 60_000) + wait * 60_000;
}
