import { describe, expect, it } from 'vitest';
import { deliveryResult } from './outcome.ts';

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
