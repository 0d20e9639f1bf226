/**
 * Token buckets in memory: `perMinute` requests a minute, bursts up to the same number.
 * Per process; behind several processes each enforces its own share.
 */
export function createRateLimiter(perMinute: number, clock: () => number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;

  return {
    /** Takes one token for `key`; false when the bucket is empty (and 0 disables limiting). */
    take(key: string): boolean {
      if (perMinute <= 0) return true;
      const now = clock();
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: now };
      bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * refillPerMs);
      bucket.at = now;
      if (buckets.size > 100_000) buckets.clear(); // bound memory under a flood of new keys
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
