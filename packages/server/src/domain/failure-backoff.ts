import { backoffDelay, type RetryPolicy } from './push-response.ts';

/**
 * Remembers which items (by id) failed lately and when each may be tried again, so a loop
 * that sweeps many items skips a broken one for a while instead of failing on it every
 * pass. In memory: a restart only means one early retry. Pure: the caller passes the time.
 *
 * @example
 * const backoff = createFailureBackoff();
 * if (!backoff.due(id, now)) continue;
 * try { await work(id); backoff.succeeded(id); } catch (e) { backoff.failed(id, e, now); }
 */
export function createFailureBackoff(
  policy: RetryPolicy = { baseDelayMs: 2_000, maxDelayMs: 10 * 60_000 },
) {
  const failures = new Map<string, { attempts: number; retryAt: number; error: string }>();
  return {
    due(id: string, now: number): boolean {
      const failure = failures.get(id);
      return !failure || now >= failure.retryAt;
    },
    succeeded(id: string): void {
      failures.delete(id);
    },
    /** Records a failure; returns how many in a row this item has had. */
    failed(id: string, error: unknown, now: number): number {
      const attempts = (failures.get(id)?.attempts ?? 0) + 1;
      const message = error instanceof Error ? error.message : String(error);
      failures.set(id, { attempts, retryAt: now + backoffDelay(attempts, policy), error: message });
      return attempts;
    },
    /** The items failing now, for logs and tests. */
    failing(): Array<{ id: string; attempts: number; error: string }> {
      return [...failures].map(([id, f]) => ({ id, attempts: f.attempts, error: f.error }));
    },
  };
}

export type FailureBackoff = ReturnType<typeof createFailureBackoff>;
