import { describe, expect, it } from 'vitest';
import { fastBatch } from './segment-fast.ts';
import { segmentBatchSchema } from './segment-schemas.ts';

const TS = '2026-11-30T10:00:00.123Z';

/** Calls of every shape the fast path may meet, valid or not. */
const CALLS: unknown[] = [
  { type: 'track', userId: 'u-1', event: 'Order Completed', messageId: 'm-1', timestamp: TS },
  { type: 'track', userId: 42, anonymousId: null, event: 'E', properties: null },
  { type: 'track', anonymousId: 7, event: 'E', properties: { a: 1, nested: { b: [1, 2] } } },
  { type: 'track', userId: 'u', event: 'E', context: { ip: '1.2.3.4' }, integrations: {} },
  { type: 'track', userId: 'u', event: 'E', sentAt: TS, originalTimestamp: '2026-11-30T10:00Z' },
  { type: 'track', userId: 'u', event: 'E', receivedAt: '2026-11-30T10:00:00+00:00', extra: 1 },
  { type: 'track', userId: 'u', event: 'E', name: 5, category: [], traits: { x: 1 } },
  { type: 'page', userId: 'u', name: 'Home', category: null, properties: { path: '/' } },
  { type: 'screen', userId: 'u', name: null },
  { type: 'page', userId: 'u' },
  // Refused by zod, or not taken by the fast path:
  { type: 'track', userId: 'u' },
  { type: 'track', userId: 'u', event: '' },
  { type: 'track', userId: 'u', event: 'x'.repeat(201) },
  { type: 'track', userId: '', event: 'E' },
  { type: 'track', userId: 'u'.repeat(257), event: 'E' },
  { type: 'track', userId: true, event: 'E' },
  { type: 'track', userId: 'u', event: 'E', messageId: '' },
  { type: 'track', userId: 'u', event: 'E', messageId: 5 },
  { type: 'track', userId: 'u', event: 'E', timestamp: '2026-11-30T10:00:00+01:00' },
  { type: 'track', userId: 'u', event: 'E', timestamp: '2026-13-45T10:00:00Z' },
  { type: 'track', userId: 'u', event: 'E', timestamp: 1700000000000 },
  { type: 'track', userId: 'u', event: 'E', properties: [] },
  { type: 'track', userId: 'u', event: 'E', properties: 'x' },
  { type: 'track', userId: 'u', event: 'E', context: null },
  { type: 'track', userId: 'u', event: 'E', integrations: [1] },
  { type: 'page', userId: 'u', name: 'n'.repeat(201) },
  { type: 'page', userId: 'u', category: 3 },
  { type: 'identify', userId: 'u', traits: { vip: true } },
  { type: 'group', userId: 'u', groupId: 'g' },
  { type: 'alias', userId: 'u', previousId: 'p' },
  { type: 'other', userId: 'u' },
  null,
  'track',
  [],
  JSON.parse('{"type":"track","userId":"u","event":"E","properties":{"__proto__":{"x":1}}}'),
  JSON.parse('{"type":"track","userId":"u","event":"E","__proto__":{"x":1}}'),
];

describe('fastBatch', () => {
  it.each(CALLS.map((call, i) => [i, call]))(
    'answers what zod answers, or leaves call %i to zod',
    (_, call) => {
      const body = { batch: [CALLS[0], call], context: { library: 'x' }, sentAt: TS, other: 1 };
      const fast = fastBatch(body);
      const zod = segmentBatchSchema.safeParse(body);
      if (fast === undefined) return;
      expect(zod.success).toBe(true);
      expect(fast).toStrictEqual(zod.data);
    },
  );

  it('takes the batches clients send, so zod is the exception', () => {
    const taken = CALLS.slice(0, 10).map((call) => fastBatch({ batch: [call] }));
    expect(taken.every((b) => b !== undefined)).toBe(true);
  });

  it('leaves bodies of the wrong shape to zod, which explains what is wrong', () => {
    for (const body of [
      null,
      [],
      { batch: [] },
      { batch: {} },
      { batch: Array.from({ length: 2_501 }, () => CALLS[0]) },
      { batch: [CALLS[0]], context: null },
      { batch: [CALLS[0]], sentAt: 'yesterday' },
    ]) {
      expect(fastBatch(body)).toBeUndefined();
      expect(segmentBatchSchema.safeParse(body).success).toBe(false);
    }
  });
});
