/** RFC 8291 §3.1: `p256dh` is an uncompressed P-256 point (0x04 ‖ X ‖ Y, 65 bytes). */
export const P256DH_BYTES = 65;
/** RFC 8291 §3.2: the authentication secret is 16 bytes. */
export const AUTH_BYTES = 16;

// P-256's field prime and curve coefficient b (SEC 2 §2.4.2; a = -3).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/**
 * True when `key` is an uncompressed point on P-256. A 65-byte string that only looks like one
 * would be stored and then fail every push at encryption time, so it is refused at the door.
 * The check is the curve equation y² = x³ − 3x + b (mod p) with both coordinates below p —
 * what OpenSSL checks when it parses a point, and enough: P-256's cofactor is 1, so a point on
 * the curve is in the group. In BigInt it costs a few µs, about a tenth of asking OpenSSL
 * (`ECDH.convertKey`), which matters when an import checks 100k keys.
 *
 * @example isP256Point(Buffer.from(subscription.keys.p256dh, 'base64url'))
 */
export function isP256Point(key: Buffer): boolean {
  if (key.length !== P256DH_BYTES || key[0] !== 0x04) return false;
  const x = BigInt(`0x${key.toString('hex', 1, 33)}`);
  const y = BigInt(`0x${key.toString('hex', 33, 65)}`);
  if (x >= P || y >= P) return false;
  const rhs = (((((x * x) % P) * x) % P) - 3n * x + B) % P;
  return (y * y) % P === (rhs + P) % P;
}
