import webpush from 'web-push';
import { describe, expect, it } from 'vitest';
import { isVapidKeyPair } from './vapid-keys.ts';

describe('isVapidKeyPair', () => {
  it('accepts a generated pair and refuses halves of two pairs, junk and wrong lengths', () => {
    const a = webpush.generateVAPIDKeys();
    const b = webpush.generateVAPIDKeys();
    expect(isVapidKeyPair(a)).toBe(true);
    expect(isVapidKeyPair({ publicKey: a.publicKey, privateKey: b.privateKey })).toBe(false);
    expect(isVapidKeyPair({ publicKey: 'nope', privateKey: a.privateKey })).toBe(false);
    expect(isVapidKeyPair({ publicKey: a.publicKey, privateKey: 'AAAA' })).toBe(false);
    const zero = Buffer.alloc(32).toString('base64url'); // not a valid scalar
    expect(isVapidKeyPair({ publicKey: a.publicKey, privateKey: zero })).toBe(false);
  });
});
