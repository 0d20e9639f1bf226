/**
 * Counts failures per key in a fixed window (sign-ins per IP and per email): past `max`
 * failures the key is blocked until its window ends. Successes cost nothing, so a person who
 * types their password right is never slowed by the limit. Bounded like rate-limit.ts: past
 * `maxKeys` the oldest key is forgotten (an LRU on a Map's insertion order).
 *
 * @example const perEmail = createFailureLimit(10, 15 * 60_000, Date.now);
 * if (perEmail.blockedFor(email) > 0) throw tooMany(); ... perEmail.fail(email);
 */
export function createFailureLimit(
  max: number,
  windowMs: number,
  clock: () => number,
  maxKeys = 100_000,
) {
  const windows = new Map<string, { failures: number; until: number }>();
  const live = (key: string) => {
    const entry = windows.get(key);
    if (entry && entry.until <= clock()) {
      windows.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    /** Milliseconds until `key` may try again (0: it may now). */
    blockedFor(key: string): number {
      const entry = live(key);
      return entry && entry.failures >= max ? entry.until - clock() : 0;
    },
    fail(key: string): void {
      const entry = live(key) ?? { failures: 0, until: clock() + windowMs };
      entry.failures += 1;
      windows.delete(key);
      windows.set(key, entry);
      if (windows.size > maxKeys) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
    },
  };
}
