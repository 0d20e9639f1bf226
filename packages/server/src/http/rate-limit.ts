/** Keys kept at most; past it the least recently used bucket is forgotten. */
export const DEFAULT_MAX_KEYS = 100_000;

export interface RateLimiter {
  /**
   * Takes one token for `key`: `{ ok: true }`, or `{ ok: false, retryAfterSeconds }` when the
   * bucket is empty (seconds until one token is back, at least 1).
   */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number };
  /** Keys held now (bounded by `maxKeys`). */
  readonly size: number;
}

/**
 * Token buckets in memory: `perMinute` requests a minute, bursts up to the same number
 * (0 disables limiting). Per process; behind several processes each enforces its own share.
 * The buckets are an LRU (a Map keeps insertion order, so re-inserting on use moves a key to
 * the end and the first key is the oldest): a flood of new keys forgets idle ones instead
 * of wiping every bucket — the old `clear()` at 100k keys refilled the attacker's too.
 *
 * @example const limiter = createRateLimiter(60, Date.now); if (!limiter.take(ip).ok) ...
 */
export function createRateLimiter(
  perMinute: number,
  clock: () => number,
  { maxKeys = DEFAULT_MAX_KEYS }: { maxKeys?: number } = {},
): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;

  return {
    take(key) {
      if (perMinute <= 0) return { ok: true };
      const now = clock();
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: now };
      // max(0, …): a clock that steps back must not drain the bucket.
      bucket.tokens = Math.min(
        perMinute,
        bucket.tokens + Math.max(0, now - bucket.at) * refillPerMs,
      );
      bucket.at = now;
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (bucket.tokens < 1) {
        const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
        return { ok: false, retryAfterSeconds };
      }
      bucket.tokens -= 1;
      return { ok: true };
    },
    get size() {
      return buckets.size;
    },
  };
}
