// http_ece (web-push's own ECE library) ships no types; the test workspace declares them.
/// <reference path="../../../../test/support/push-service/http-ece.d.ts" />
import { createECDH, randomBytes } from 'node:crypto';
import ece from 'http_ece';
import { afterEach, describe, expect, it } from 'vitest';
import { createEncryptionPool, type EncryptionPool, type EncryptItem } from './encryption-pool.ts';

function subscriber() {
  const ecdh = createECDH('prime256v1');
  const p256dh = ecdh.generateKeys('base64url');
  return { ecdh, p256dh, auth: randomBytes(16).toString('base64url') };
}

function decrypt(body: unknown, s: ReturnType<typeof subscriber>): string {
  expect(Buffer.isBuffer(body)).toBe(true);
  const plain = ece.decrypt(body as Buffer, {
    version: 'aes128gcm',
    privateKey: s.ecdh,
    authSecret: s.auth,
  });
  return plain.toString('utf8');
}

describe('encryption pool', () => {
  let pool: EncryptionPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it.each([2, 0])(
    'encrypts on %i threads so that every body decrypts to its own plaintext',
    async (threads) => {
      pool = createEncryptionPool({ threads });
      const subscribers = Array.from({ length: 40 }, subscriber);
      const items: EncryptItem[] = subscribers.map((s, i) => ({
        p256dh: s.p256dh,
        auth: s.auth,
        plaintext: JSON.stringify({ deliveryId: `dlv_${i}`, title: 'Grüße ✓' }),
      }));
      const chunks = await Promise.all([
        pool.encrypt(items.slice(0, 25)),
        pool.encrypt(items.slice(25)),
      ]);
      const bodies = chunks.flat();
      expect(bodies).toHaveLength(40);
      bodies.forEach((body, i) => {
        expect(decrypt(body, subscribers[i]!)).toBe(items[i]!.plaintext);
      });
    },
  );

  it('reports a key that is not on the curve for that message only', async () => {
    pool = createEncryptionPool({ threads: 1 });
    const good = subscriber();
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
    const [first, bad, last] = await pool.encrypt([
      { p256dh: good.p256dh, auth: good.auth, plaintext: 'one' },
      { p256dh: offCurve, auth: good.auth, plaintext: 'two' },
      { p256dh: good.p256dh, auth: good.auth, plaintext: 'three' },
    ]);
    expect(decrypt(first, good)).toBe('one');
    expect(bad).toEqual({ error: expect.any(String) });
    expect(decrypt(last, good)).toBe('three');
  });

  it('starts its threads again after close', async () => {
    pool = createEncryptionPool({ threads: 1 });
    const s = subscriber();
    await pool.encrypt([{ p256dh: s.p256dh, auth: s.auth, plaintext: 'before' }]);
    await pool.close();
    const [body] = await pool.encrypt([{ p256dh: s.p256dh, auth: s.auth, plaintext: 'after' }]);
    expect(decrypt(body, s)).toBe('after');
  });
});
