const DAY = 86_400_000;

/** The last `days` whole UTC days up to now, as the stats endpoints take them. */
export function lastDays(days: number, now = Date.now()) {
  const from = Math.floor(now / DAY) * DAY - (days - 1) * DAY;
  return { from: new Date(from).toISOString(), to: new Date(now).toISOString() };
}
