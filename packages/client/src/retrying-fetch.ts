/** How hard the client tries before it hands a failure back to the caller. */
export interface RetryOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** First backoff step; each retry doubles it, with full jitter (default 250 ms). */
  baseDelayMs?: number;
  /**
   * Longest single wait (default 10 s). A `Retry-After` asking for more is not waited out:
   * the 429/503 goes back to the caller, who knows better whether to wait that long.
   */
  maxDelayMs?: number;
}

type Fetch = (request: Request) => Promise<Response>;

const RETRY_STATUS = (status: number) => status === 429 || status >= 500;

/**
 * Wraps `fetch` so a POST carries an `Idempotency-Key` (one per call, the same on every
 * retry, so a retried send is queued once — API.md "Conventions") and so 429, 5xx and
 * network errors are retried with exponential backoff, honouring `Retry-After`
 * (RFC 9110 §10.2.3: seconds or an HTTP date). Bounded in tries and in each wait.
 *
 * @example const f = retryingFetch(globalThis.fetch, { attempts: 3 }); await f(new Request(url));
 */
export function retryingFetch(
  fetchImpl: Fetch,
  options: RetryOptions = {},
  deps: { sleep?: (ms: number) => Promise<void>; random?: () => number; now?: () => number } = {},
): Fetch {
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const sleep = deps.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;

  return async (input) => {
    const request = withIdempotencyKey(input);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let response: Response;
      try {
        // A body can be read once: every try sends its own copy.
        response = await fetchImpl(last ? request : request.clone());
      } catch (error) {
        if (last || request.signal.aborted) throw error;
        await sleep(backoff(attempt));
        continue;
      }
      if (last || !RETRY_STATUS(response.status)) return response;
      const wait = retryAfterMs(response.headers.get('retry-after'), now()) ?? backoff(attempt);
      if (wait > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(wait);
    }
  };

  function backoff(attempt: number): number {
    return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
  }
}

function withIdempotencyKey(request: Request): Request {
  if (request.method !== 'POST' || request.headers.has('idempotency-key')) return request;
  const keyed = new Request(request);
  keyed.headers.set('idempotency-key', crypto.randomUUID());
  return keyed;
}

/** `Retry-After` in milliseconds from now, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
