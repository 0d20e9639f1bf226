// http_ece (web-push's own ECE library) ships no types; the test workspace declares them.
/// <reference path="../../../../test/support/push-service/http-ece.d.ts" />
import { createECDH, randomBytes } from 'node:crypto';
import ece from 'http_ece';
import { describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createAes128gcmEncrypter, encryptedLength, HEADER_LENGTH } from './aes128gcm.js';

const b64 = (s: string) => Buffer.from(s, 'base64url');

/** A subscriber as a browser holds it: the receiving key pair and the auth secret. */
function receiver() {
  const ecdh = createECDH('prime256v1');
  const p256dh = ecdh.generateKeys();
  return { ecdh, p256dh, auth: randomBytes(16) };
}

function encrypt(p256dh: Buffer, auth: Buffer, text: string) {
  const plaintext = Buffer.from(text);
  const out = Buffer.alloc(encryptedLength(plaintext.length));
  const written = createAes128gcmEncrypter()(p256dh, auth, plaintext, out, 0);
  expect(written).toBe(out.length);
  return out;
}

/**
 * The hand-written RFC 8291 encryption, checked on every build against the reference
 * implementations it replaces: the RFC's own test vector, http_ece's decryption and the
 * shape of web-push's output.
 */
describe('aes128gcm encryption', () => {
  it('reproduces the RFC 8291 Appendix A message byte for byte', () => {
    const encrypter = createAes128gcmEncrypter({
      privateKey: b64('yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw'),
      salt: b64('DGv6ra1nlYgDCS1FRnbzlw'),
    });
    const plaintext = b64('V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24');
    const out = Buffer.alloc(encryptedLength(plaintext.length));
    encrypter(
      b64(
        'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
      ),
      b64('BTBZMqHH6r4Tts7J_aSIgg'),
      plaintext,
      out,
      0,
    );
    expect(out.toString('base64url')).toBe(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
    );
  });

  it('decrypts with http_ece to exactly the plaintext, for ASCII, UTF-8 and the largest payload', () => {
    const { ecdh, p256dh, auth } = receiver();
    for (const text of ['{"title":"Hi"}', 'Grüße ✓ 🚀', 'x'.repeat(3993)]) {
      const body = encrypt(p256dh, auth, text);
      const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: ecdh, authSecret: auth });
      expect(plain.toString('utf8')).toBe(text);
    }
  });

  it('lays out the header as web-push does: salt, rs 4096, a 65-byte keyid, same length', () => {
    const { p256dh, auth } = receiver();
    const text = JSON.stringify({ deliveryId: 'dlv_1', title: 'Sale', body: 'Now' });
    const theirs = webpush.encrypt(
      p256dh.toString('base64url'),
      auth.toString('base64url'),
      text,
      'aes128gcm',
    );
    const ours = encrypt(p256dh, auth, text);
    const header = (body: Buffer) => ({
      rs: body.readUInt32BE(16),
      idlen: body[20],
      keyIdFormat: body[21], // 0x04: an uncompressed P-256 point
    });
    expect(ours).toHaveLength(theirs.cipherText.length);
    expect(header(ours)).toEqual(header(theirs.cipherText));
    expect(header(ours)).toEqual({ rs: 4096, idlen: 65, keyIdFormat: 4 });
    expect(theirs.cipherText.subarray(21, HEADER_LENGTH)).toEqual(theirs.localPublicKey);
  });

  it('uses a fresh sender key and salt for every message (RFC 8291 §3.1)', () => {
    const { p256dh, auth } = receiver();
    const [a, b] = [encrypt(p256dh, auth, 'same'), encrypt(p256dh, auth, 'same')];
    expect(a.subarray(0, 16)).not.toEqual(b.subarray(0, 16));
    expect(a.subarray(21, HEADER_LENGTH)).not.toEqual(b.subarray(21, HEADER_LENGTH));
  });

  it('throws for a p256dh that is not a point on P-256', () => {
    const bogus = Buffer.alloc(65, 7);
    bogus[0] = 4;
    expect(() => encrypt(bogus, randomBytes(16), 'hi')).toThrow();
  });
});
