import { describe, expect, it } from 'vitest';
import type { PushAnswer } from '../domain/push-response.ts';
import type { EncryptionPool } from './encryption-pool.ts';
import { createPushSender, type PushMessage } from './push-sender.ts';
import type { PushTransport } from './transport/push-transport.ts';
import type { VapidCache } from './vapid-cache.ts';

const now = 1_000_000;

function message(i: number): PushMessage {
  return {
    subscription: {
      endpoint: `https://push.example/s/${i}`,
      keys: { p256dh: 'p', auth: 'a' },
    },
    payload: '{}',
    vapid: { subject: 'mailto:a@example.com', publicKey: 'pub', privateKey: 'priv' },
    expiresAt: now + 60_000,
    sendBy: now + 30_000,
    urgency: 'normal',
    topic: null,
  };
}

describe('push sender shutdown', () => {
  it('finishes the request on the wire and releases the ones still queued when stopped', async () => {
    const sent: string[] = [];
    let answer!: (a: PushAnswer) => void;
    let onWire!: () => void;
    const firstOnWire = new Promise<void>((resolve) => (onWire = resolve));
    const transport: PushTransport = {
      send(request) {
        sent.push(request.endpoint);
        onWire();
        return new Promise((resolve) => (answer = resolve));
      },
      close() {},
    };
    const pool: EncryptionPool = {
      encrypt: async (items) => items.map(() => Buffer.from('body')),
      close: async () => {},
    };
    const vapid = { header: () => 'vapid t=x, k=y' } as unknown as VapidCache;
    // One request at a time per origin: the second and third wait their turn.
    const sender = createPushSender({ transport, pool, vapid, clock: () => now, concurrency: 1 });

    const results = sender.sendMany([message(1), message(2), message(3)]);
    await firstOnWire;
    sender.stop();
    answer({ statusCode: 201, headers: {} });

    expect(await results).toEqual([
      { kind: 'answered', answer: { statusCode: 201, headers: {} } },
      { kind: 'released' },
      { kind: 'released' },
    ]);
    expect(sent).toEqual(['https://push.example/s/1']);
  });
});
