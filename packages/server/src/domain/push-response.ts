/**
 * What a push service's answer means for one delivery (RFC 8030 §5, §7.2 and §8.4).
 * Pure: the caller passes the clock and the attempt count.
 */
export type PushOutcome =
  | { kind: 'delivered' }
  | { kind: 'gone' }
  | { kind: 'retry'; at: number; reason: string }
  | { kind: 'failed'; reason: string };

export interface PushAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body?: string;
}

export interface RetryPolicy {
  /** First retry delay; doubles per attempt (graphile-worker's `retry_backoff`). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 10 * 60_000 };

export function classifyPushAnswer(
  answer: PushAnswer,
  ctx: { now: number; attempts: number; policy?: RetryPolicy },
): PushOutcome {
  const { statusCode } = answer;
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  // §7.3: the subscription expired or was unsubscribed; it will never work again.
  if (statusCode === 404 || statusCode === 410) return { kind: 'gone' };
  if (statusCode === 429 || statusCode >= 500) {
    const retryAfter = parseRetryAfter(headerValue(answer.headers['retry-after']), ctx.now);
    const backoff = ctx.now + backoffDelay(ctx.attempts, ctx.policy ?? DEFAULT_RETRY_POLICY);
    return {
      kind: 'retry',
      at: Math.max(backoff, retryAfter ?? 0),
      reason: `push service answered ${statusCode}`,
    };
  }
  // 400 (bad request), 403 (VAPID refused), 413 (payload too large) and the rest: sending
  // the same request again cannot succeed.
  const detail = serviceReason(answer.body);
  return {
    kind: 'failed',
    reason: `push service answered ${statusCode}${detail ? `: ${detail}` : ''}`,
  };
}

/** Longest reason kept from a push service's answer. */
export const MAX_REASON_LENGTH = 200;

/**
 * The reason a push service gives in its answer's body, made safe to store and show: Apple
 * answers JSON `{"reason": "BadJwtToken"}`, Mozilla `{"errno", "message", …}`, FCM a JSON
 * `error.message` or plain text. Control characters and runs of white space become one space,
 * and it is cut to MAX_REASON_LENGTH characters.
 *
 * @example serviceReason('{"reason":"BadJwtToken"}') // 'BadJwtToken'
 */
export function serviceReason(body: string | undefined): string {
  if (!body) return '';
  let text = body;
  try {
    const json: unknown = JSON.parse(body);
    const picked = pickReason(json);
    if (picked !== undefined) text = picked;
  } catch {
    // Not JSON: the text is the reason.
  }
  // C0, DEL and C1 controls and any white space: a stored reason is one plain line.
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
  const chars = [...clean]; // by code point, so a cut never splits a surrogate pair
  return chars.length > MAX_REASON_LENGTH
    ? `${chars.slice(0, MAX_REASON_LENGTH - 1).join('')}…`
    : clean;
}

function pickReason(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const record = json as Record<string, unknown>;
  for (const key of ['reason', 'message', 'error'] as const) {
    const value = record[key];
    if (typeof value === 'string' && value.trim()) return value;
    if (key === 'error') return pickReason(value);
  }
  return undefined;
}

/** A network error (refused, reset, timed out) is worth retrying like a 503. */
export function retryAfterNetworkError(
  error: Error,
  ctx: { now: number; attempts: number; policy?: RetryPolicy },
): PushOutcome {
  return {
    kind: 'retry',
    at: ctx.now + backoffDelay(ctx.attempts, ctx.policy ?? DEFAULT_RETRY_POLICY),
    reason: `network error: ${error.message}`,
  };
}

/** Exponential backoff: attempt 1 → base, 2 → 2×base, … capped at `maxDelayMs`. */
export function backoffDelay(attempts: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, attempts - 1);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
}

/** `Retry-After` is delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return now + Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : date;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
