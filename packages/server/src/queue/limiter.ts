/**
 * A counting semaphore: at most `limit` holders at once, the rest wait in arrival order —
 * `acquire(true)` waiters ahead of the others (an express push does not queue behind a
 * broadcast's requests for the same push service).
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
  const first: Array<() => void> = [];
  return {
    acquire(ahead = false): Promise<void> {
      if (held < limit) {
        held += 1;
        return Promise.resolve();
      }
      return new Promise((resolve) => (ahead ? first : waiting).push(resolve));
    },
    /** A slot if one is free now, without waiting: false when all are held. */
    tryAcquire(): boolean {
      if (held >= limit) return false;
      held += 1;
      return true;
    },
    release(): void {
      const next = first.shift() ?? waiting.shift();
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
