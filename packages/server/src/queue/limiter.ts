/**
 * A counting semaphore: at most `limit` holders at once, the rest wait in arrival order.
 *
 * @example
 * const streams = createLimiter(100);
 * await streams.acquire();
 * try { await send(); } finally { streams.release(); }
 */
export function createLimiter(limit: number) {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bad limit ${limit}`);
  let held = 0;
  const waiting: Array<() => void> = [];
  return {
    acquire(): Promise<void> {
      if (held < limit) {
        held += 1;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      // The slot passes straight to the next waiter, so `held` stays the same.
      if (next) next();
      else held -= 1;
    },
    get held(): number {
      return held;
    },
  };
}

export type Limiter = ReturnType<typeof createLimiter>;
