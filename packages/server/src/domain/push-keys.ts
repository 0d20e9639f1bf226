import { ECDH } from 'node:crypto';

/** RFC 8291 §3.1: `p256dh` is an uncompressed P-256 point (0x04 ‖ X ‖ Y, 65 bytes). */
export const P256DH_BYTES = 65;
/** RFC 8291 §3.2: the authentication secret is 16 bytes. */
export const AUTH_BYTES = 16;

/**
 * True when `key` is an uncompressed point on P-256. A 65-byte string that only looks like one
 * would be stored and then fail every push at encryption time, so it is refused at the door.
 * `ECDH.convertKey` parses the point with OpenSSL, which checks the curve equation, and costs a
 * fraction of the `computeSecret` each push pays anyway.
 *
 * @example isP256Point(Buffer.from(subscription.keys.p256dh, 'base64url'))
 */
export function isP256Point(key: Buffer): boolean {
  if (key.length !== P256DH_BYTES || key[0] !== 0x04) return false;
  try {
    ECDH.convertKey(key, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}
