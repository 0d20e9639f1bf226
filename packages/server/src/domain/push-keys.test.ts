import { createECDH, ECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isP256Point } from './push-keys.ts';

describe('isP256Point', () => {
  const valid = createECDH('prime256v1').generateKeys();

  it('accepts an uncompressed point made by P-256 key generation', () => {
    expect(isP256Point(valid)).toBe(true);
  });

  it('refuses 65 bytes with the right prefix that are not on the curve', () => {
    const offCurve = Buffer.from(valid);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    expect(isP256Point(offCurve)).toBe(false);
    expect(isP256Point(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]))).toBe(false);
    expect(isP256Point(Buffer.concat([Buffer.from([4]), Buffer.alloc(64)]))).toBe(false);
  });

  it('refuses compressed points, the point at infinity and other lengths', () => {
    const compressed = createECDH('prime256v1');
    compressed.generateKeys();
    expect(isP256Point(compressed.getPublicKey(null, 'compressed'))).toBe(false);
    expect(isP256Point(Buffer.from([0]))).toBe(false);
    expect(isP256Point(valid.subarray(0, 64))).toBe(false);
    expect(isP256Point(Buffer.concat([valid, Buffer.from([0])]))).toBe(false);
    expect(isP256Point(Buffer.alloc(0))).toBe(false);
  });
});

describe('isP256Point against OpenSSL', () => {
  it('agrees with ECDH.convertKey on valid keys and on each of their one-bit flips', () => {
    const openssl = (key: Buffer) => {
      try {
        ECDH.convertKey(key, 'prime256v1');
        return true;
      } catch {
        return false;
      }
    };
    for (let k = 0; k < 20; k++) {
      const key = createECDH('prime256v1').generateKeys();
      expect(isP256Point(key)).toBe(true);
      for (let bit = 8; bit < key.length * 8; bit += 37) {
        const flipped = Buffer.from(key);
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        expect(isP256Point(flipped)).toBe(openssl(flipped));
      }
    }
    // Coordinates at or above p are not field elements, whatever the equation says.
    const big = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)]);
    expect(isP256Point(big)).toBe(openssl(big));
  });
});
