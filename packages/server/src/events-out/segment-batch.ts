import type { WebhookMessage } from '../storage/webhooks.ts';

/** Segment's limit for one `/v1/batch` request (its HTTP Tracking API docs). */
export const SEGMENT_BATCH_BYTES = 500 * 1024;
/** Room for `{"batch":[…],"sentAt":"…"}` around the calls. */
const ENVELOPE_BYTES = 100;

/**
 * Packs stored `track` calls, in order, into Segment batch bodies of at most 500 KB each.
 * Pure.
 *
 * @example segmentBatches(messages, new Date()) // [{ ids: ['msg_…'], body: '{"batch":[…]}' }]
 */
export function segmentBatches(
  messages: readonly WebhookMessage[],
  sentAt: Date,
): Array<{ ids: string[]; body: string }> {
  const batches: Array<{ ids: string[]; body: string }> = [];
  let ids: string[] = [];
  let calls: string[] = [];
  let bytes = ENVELOPE_BYTES;
  const flush = () => {
    if (calls.length === 0) return;
    batches.push({
      ids,
      body: `{"batch":[${calls.join(',')}],"sentAt":${JSON.stringify(sentAt.toISOString())}}`,
    });
    ids = [];
    calls = [];
    bytes = ENVELOPE_BYTES;
  };
  for (const m of messages) {
    const size = Buffer.byteLength(m.body) + 1;
    if (bytes + size > SEGMENT_BATCH_BYTES) flush();
    ids.push(m.id);
    calls.push(m.body);
    bytes += size;
  }
  flush();
  return batches;
}

/** The forwarder's endpoint is Segment's API base (`https://api.segment.io`) or its batch URL. */
export const segmentBatchUrl = (endpoint: string) =>
  /\/v1\/batch\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/batch`;
