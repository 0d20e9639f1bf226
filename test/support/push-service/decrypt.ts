/**
 * Decrypts a push message body as the receiving browser would (RFC 8291 over RFC 8188 aes128gcm).
 * The push service itself never could; doing it here is what lets tests assert on the plaintext.
 */
import { createECDH } from 'node:crypto';
import ece from 'http_ece';

export type DecryptResult = { ok: true; plaintext: Buffer } | { ok: false; reason: string };

export interface ReceiverKeys {
  /** The receiver's raw P-256 private scalar. */
  privateKey: Buffer;
  /** The 16-byte auth secret, base64url. */
  auth: string;
}

/** RFC 8188 §2.1: salt (16) + rs (4) + idlen (1), then keyid. */
const HEADER_FIXED_LENGTH = 21;
/** RFC 8291 §4: keyid is the sender's uncompressed P-256 point. */
const SENDER_KEY_LENGTH = 65;
const TAG_LENGTH = 16;
/** RFC 8188 §2: rs "MUST NOT be less than 18" (one byte of padding delimiter + tag + one more). */
const MIN_RECORD_SIZE = 18;

/**
 * Decrypts `body` for the subscriber owning `keys`.
 *
 * http_ece checks neither the keyid length nor the record count, and "decrypts" a body with no
 * record at all to an empty plaintext without authenticating anything, so those RFC 8291 §4 rules
 * are checked here first.
 *
 * @example
 * const result = decryptPushBody(body, { privateKey: d, auth: 'BTBZMqHH6r4Tts7J_aSIgg' });
 * if (result.ok) console.log(result.plaintext.toString('utf8'));
 */
export function decryptPushBody(body: Buffer, keys: ReceiverKeys): DecryptResult {
  if (body.length < HEADER_FIXED_LENGTH)
    return { ok: false, reason: 'body is shorter than an aes128gcm header' };
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body.readUInt8(20);
  if (keyIdLength !== SENDER_KEY_LENGTH) {
    return {
      ok: false,
      reason: `keyid must be the 65-byte sender public key (RFC 8291 §4), got ${keyIdLength} bytes`,
    };
  }
  if (recordSize < MIN_RECORD_SIZE)
    return {
      ok: false,
      reason: `record size ${recordSize} is below 18 (RFC 8188 §2)`,
    };
  const recordLength = body.length - HEADER_FIXED_LENGTH - SENDER_KEY_LENGTH;
  if (recordLength <= TAG_LENGTH) return { ok: false, reason: 'body holds no encrypted record' };
  if (recordLength > recordSize) {
    return {
      ok: false,
      reason: 'body holds more than one record; RFC 8291 §4 allows exactly one',
    };
  }

  // A fresh ECDH per message: http_ece wants an object with computeSecret/getPublicKey, and
  // keeping one per subscriber costs ~3 KB of native memory each (too much at 100k subscribers).
  const receiver = createECDH('prime256v1');
  try {
    receiver.setPrivateKey(keys.privateKey);
    const plaintext = ece.decrypt(body, {
      version: 'aes128gcm',
      privateKey: receiver,
      authSecret: keys.auth,
    });
    return { ok: true, plaintext };
  } catch (error) {
    return {
      ok: false,
      reason: `decryption failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
