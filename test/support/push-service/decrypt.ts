/**
 * Decrypts a push message body as the receiving browser would (RFC 8291 over RFC 8188 aes128gcm).
 * The push service itself never could; doing it here is what lets tests assert on the plaintext.
 */
import { createECDH } from 'node:crypto';
import ece from 'http_ece';

/** `plaintext` is undefined when a sampled decrypt only checked the body's layout. */
export type DecryptResult =
  { ok: true; plaintext: Buffer | undefined } | { ok: false; reason: string };

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
 * Decrypts `body` for the subscriber owning `keys`, after checking its layout (see
 * `checkBodyLayout`).
 *
 * @example
 * const result = decryptPushBody(body, { privateKey: d, auth: 'BTBZMqHH6r4Tts7J_aSIgg' });
 * if (result.ok) console.log(result.plaintext.toString('utf8'));
 */
export function decryptPushBody(body: Buffer, keys: ReceiverKeys): DecryptResult {
  const layoutProblem = checkBodyLayout(body);
  if (layoutProblem) return { ok: false, reason: layoutProblem };

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

/**
 * Decrypts one message in `every` and only checks the layout of the others (their `plaintext`
 * is undefined): the ECDH and AES work would otherwise dominate a benchmark at 100k messages.
 *
 * @example const decrypt = createSampledDecrypt(100); // the 1st, 101st, 201st… are decrypted
 */
export function createSampledDecrypt(
  every: number,
): (body: Buffer, keys: ReceiverKeys) => DecryptResult {
  if (!Number.isInteger(every) || every < 1) {
    throw new RangeError(`decryptEvery must be a positive integer, got ${every}`);
  }
  let seen = 0;
  return (body, keys) => {
    if (seen++ % every === 0) return decryptPushBody(body, keys);
    const layoutProblem = checkBodyLayout(body);
    return layoutProblem
      ? { ok: false, reason: layoutProblem }
      : { ok: true, plaintext: undefined };
  };
}

/**
 * http_ece checks neither the keyid length nor the record count, and "decrypts" a body with no
 * record at all to an empty plaintext without authenticating anything, so those RFC 8291 §4
 * rules are checked here. Answers the problem, or undefined for a well-formed body.
 */
function checkBodyLayout(body: Buffer): string | undefined {
  if (body.length < HEADER_FIXED_LENGTH) return 'body is shorter than an aes128gcm header';
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body.readUInt8(20);
  if (keyIdLength !== SENDER_KEY_LENGTH) {
    return `keyid must be the 65-byte sender public key (RFC 8291 §4), got ${keyIdLength} bytes`;
  }
  if (recordSize < MIN_RECORD_SIZE) return `record size ${recordSize} is below 18 (RFC 8188 §2)`;
  const recordLength = body.length - HEADER_FIXED_LENGTH - SENDER_KEY_LENGTH;
  if (recordLength <= TAG_LENGTH) return 'body holds no encrypted record';
  if (recordLength > recordSize) {
    return 'body holds more than one record; RFC 8291 §4 allows exactly one';
  }
  return undefined;
}
