import { describe, expect, it } from 'vitest';
import type { WebhookMessage } from '../storage/webhooks.ts';
import { SEGMENT_BATCH_BYTES, segmentBatchUrl, segmentBatches } from './segment-batch.ts';

const message = (i: number, bytes: number): WebhookMessage =>
  ({
    id: `msg_${i}`,
    body: JSON.stringify({ type: 'track', event: 'E', anonymousId: 'x'.repeat(bytes) }),
  }) as WebhookMessage;

describe('segmentBatches', () => {
  it('packs calls in order into batches of at most 500 KB, each a JSON Segment batch', () => {
    const messages = Array.from({ length: 100 }, (_, i) => message(i, 20_000));
    const batches = segmentBatches(messages, new Date('2026-01-01T00:00:00Z'));
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flatMap((b) => b.ids)).toEqual(messages.map((m) => m.id));
    for (const batch of batches) {
      expect(Buffer.byteLength(batch.body)).toBeLessThanOrEqual(SEGMENT_BATCH_BYTES);
      const parsed = JSON.parse(batch.body) as { batch: unknown[]; sentAt: string };
      expect(parsed.batch).toHaveLength(batch.ids.length);
      expect(parsed.sentAt).toBe('2026-01-01T00:00:00.000Z');
    }
  });

  it('sends nothing for no messages', () => {
    expect(segmentBatches([], new Date())).toEqual([]);
  });

  it("posts to the endpoint's /v1/batch", () => {
    expect(segmentBatchUrl('https://api.segment.io')).toBe('https://api.segment.io/v1/batch');
    expect(segmentBatchUrl('https://api.segment.io/')).toBe('https://api.segment.io/v1/batch');
    expect(segmentBatchUrl('https://eu.example/v1/batch')).toBe('https://eu.example/v1/batch');
  });
});
