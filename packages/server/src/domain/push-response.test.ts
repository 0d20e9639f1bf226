import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  classifyPushAnswer,
  MAX_REASON_LENGTH,
  parseRetryAfter,
  serviceReason,
} from './push-response.ts';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('classifyPushAnswer', () => {
  it('treats 201 as delivered', () => {
    expect(classifyPushAnswer({ statusCode: 201, headers: {} }, { now, attempts: 1 })).toEqual({
      kind: 'delivered',
    });
  });

  it('treats 404 and 410 as a subscription that is gone', () => {
    for (const statusCode of [404, 410]) {
      expect(classifyPushAnswer({ statusCode, headers: {} }, { now, attempts: 1 }).kind).toBe(
        'gone',
      );
    }
  });

  it('fails 400 and 413 for good, with the reason', () => {
    const outcome = classifyPushAnswer(
      { statusCode: 413, headers: {}, body: 'too big' },
      { now, attempts: 1 },
    );
    expect(outcome).toEqual({ kind: 'failed', reason: 'push service answered 413: too big' });
    expect(classifyPushAnswer({ statusCode: 400, headers: {} }, { now, attempts: 1 }).kind).toBe(
      'failed',
    );
  });

  it("records a 403's reason from Apple's JSON answer (BadJwtToken) as a failure, not a retry", () => {
    const outcome = classifyPushAnswer(
      { statusCode: 403, headers: {}, body: '{"reason":"BadJwtToken"}' },
      { now, attempts: 1 },
    );
    expect(outcome).toEqual({ kind: 'failed', reason: 'push service answered 403: BadJwtToken' });
  });

  it('reads the reason of Mozilla and FCM answers, and plain text', () => {
    expect(
      serviceReason('{"code":401,"errno":109,"error":"Unauthorized","message":"bad sig"}'),
    ).toBe('bad sig');
    expect(serviceReason('{"error":{"code":403,"message":"sender mismatch"}}')).toBe(
      'sender mismatch',
    );
    expect(serviceReason('  invalid JWT\n')).toBe('invalid JWT');
    expect(serviceReason('[1,2]')).toBe('[1,2]');
    expect(serviceReason(undefined)).toBe('');
  });

  it('keeps a hostile reason to one short line of text', () => {
    const reason = serviceReason(
      `{"reason":"a\\r\\nX-Injected: 1\\u0000\\u001b[31m${'x'.repeat(5_000)}"}`,
    );
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect([...reason].length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(reason.startsWith('a X-Injected: 1 [31mxxx')).toBe(true);
  });

  it('retries 429 no earlier than Retry-After', () => {
    const outcome = classifyPushAnswer(
      { statusCode: 429, headers: { 'retry-after': '30' } },
      { now, attempts: 1 },
    );
    expect(outcome).toMatchObject({ kind: 'retry', at: now + 30_000 });
  });

  it('retries 5xx with exponential backoff when there is no Retry-After', () => {
    const first = classifyPushAnswer({ statusCode: 503, headers: {} }, { now, attempts: 1 });
    const third = classifyPushAnswer({ statusCode: 500, headers: {} }, { now, attempts: 3 });
    expect(first).toMatchObject({ kind: 'retry', at: now + 1_000 });
    expect(third).toMatchObject({ kind: 'retry', at: now + 4_000 });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP-dates', () => {
    expect(parseRetryAfter('5', now)).toBe(now + 5_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(now + 60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles and stops at the cap', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 50].map((a) => backoffDelay(a, policy))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});
