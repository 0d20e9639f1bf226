import { describe, expect, it } from 'vitest';
import { afterCrash, deliveryResult, MAX_CRASH_ATTEMPTS } from './outcome.ts';

const now = 1_000_000;
const delivery = { attempts: 1, expires_at: now + 60_000, sent_at: null };
const answer = (statusCode: number, headers: Record<string, string> = {}) =>
  ({ kind: 'answered', answer: { statusCode, headers } }) as const;
const ctx = { now, policy: { baseDelayMs: 1_000, maxDelayMs: 60_000 } };

describe('what a send means for the delivery record', () => {
  it('records 201 as delivered and 410 as failed with the subscriber deleted', () => {
    expect(deliveryResult(answer(201), delivery, ctx)).toEqual({
      kind: 'delivered',
      requested: true,
    });
    expect(deliveryResult(answer(410), delivery, ctx)).toMatchObject({
      kind: 'failed',
      requested: true,
      deleteSubscriber: true,
    });
  });

  it('retries 429 no sooner than its Retry-After, and expires it when that is past the TTL', () => {
    expect(deliveryResult(answer(429, { 'retry-after': '30' }), delivery, ctx)).toMatchObject({
      kind: 'retry',
      at: now + 30_000,
    });
    expect(deliveryResult(answer(503, { 'retry-after': '120' }), delivery, ctx)).toEqual({
      kind: 'expired',
      requested: true,
    });
  });

  it('retries a network error with backoff', () => {
    const sent = { kind: 'unreachable', error: new Error('ECONNRESET') } as const;
    expect(deliveryResult(sent, delivery, ctx)).toMatchObject({ kind: 'retry', at: now + 1_000 });
  });

  it('records a request withdrawn by a cancel as cancelled, made before only if a retry was', () => {
    expect(deliveryResult({ kind: 'withdrawn' }, delivery, ctx)).toEqual({
      kind: 'cancelled',
      requested: false,
    });
    expect(deliveryResult({ kind: 'withdrawn' }, { ...delivery, sent_at: now - 1 }, ctx)).toEqual({
      kind: 'cancelled',
      requested: true,
    });
  });

  it('records nothing when the lease ran out before the request left', () => {
    expect(deliveryResult({ kind: 'late' }, delivery, ctx)).toBeUndefined();
  });

  it('expires a message whose TTL ran out in the queue, counting only earlier requests', () => {
    expect(deliveryResult({ kind: 'expired' }, delivery, ctx)).toEqual({
      kind: 'expired',
      requested: false,
    });
    expect(deliveryResult({ kind: 'expired' }, { ...delivery, sent_at: now - 5 }, ctx)).toEqual({
      kind: 'expired',
      requested: true,
    });
  });

  it('fails a subscription its message cannot be encrypted for, without a request', () => {
    expect(deliveryResult({ kind: 'unencryptable', reason: 'bad point' }, delivery, ctx)).toEqual({
      kind: 'failed',
      reason: 'cannot encrypt for this subscription: bad point',
      requested: false,
    });
  });
});

describe('a delivery whose own preparation or send threw', () => {
  it('retries it alone with backoff, without counting a push request', () => {
    expect(afterCrash(new Error('bad row'), delivery, ctx)).toEqual({
      kind: 'retry',
      at: now + 1_000,
      reason: 'error: bad row',
      requested: false,
    });
    expect(deliveryResult({ kind: 'crashed', error: new Error('x') }, delivery, ctx)).toMatchObject(
      { kind: 'retry', requested: false },
    );
  });

  it('fails it with the error after MAX_CRASH_ATTEMPTS claims', () => {
    const worn = { ...delivery, attempts: MAX_CRASH_ATTEMPTS };
    expect(afterCrash(new Error('bad row'), worn, ctx)).toEqual({
      kind: 'failed',
      reason: 'error: bad row',
      requested: false,
    });
  });

  it('expires it when the retry would come after the TTL', () => {
    const late = { ...delivery, expires_at: now + 10 };
    expect(afterCrash('boom', late, ctx)).toEqual({ kind: 'expired', requested: false });
  });
});
