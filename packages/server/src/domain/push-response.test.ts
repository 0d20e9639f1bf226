import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyPushAnswer, parseRetryAfter } from './push-response.ts';

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
