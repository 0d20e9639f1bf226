// @ts-check
// Worker-thread entry of the encryption pool (encryption-pool.ts). JavaScript for the same
// reason as aes128gcm.js: no TypeScript loader in worker threads.
import { parentPort } from 'node:worker_threads';
import { createAes128gcmEncrypter, encryptedLength } from './aes128gcm.js';

/**
 * @typedef {{ id: number; p256dh: string[]; auth: string[]; plaintext: string[] }} EncryptRequest
 * @typedef {{ id: number; body: ArrayBuffer; lengths: number[]; errors: Array<string | null> }} EncryptReply
 */

const encrypt = createAes128gcmEncrypter();
const port = parentPort;
if (!port) throw new Error('encryption-worker.js runs as a worker thread');

port.on('message', (/** @type {EncryptRequest} */ request) => port.postMessage(...run(request)));

/**
 * Encrypts a chunk into one buffer, handed back without a copy (transferred). Keys arrive
 * as the base64url strings the database holds: decoding them here keeps it off the main thread.
 *
 * @param {EncryptRequest} request
 * @returns {[EncryptReply, ArrayBuffer[]]}
 */
function run({ id, p256dh, auth, plaintext }) {
  const plain = plaintext.map((text) => Buffer.from(text, 'utf8'));
  const total = plain.reduce((sum, p) => sum + encryptedLength(p.length), 0);
  // Not Buffer.alloc: small allocations come from Node's shared pool, which cannot be transferred.
  const body = new ArrayBuffer(total);
  const out = Buffer.from(body);
  /** @type {number[]} */
  const lengths = [];
  /** @type {Array<string | null>} */
  const errors = [];
  let offset = 0;
  for (let i = 0; i < plain.length; i++) {
    const bytes = /** @type {Buffer} */ (plain[i]);
    try {
      const written = encrypt(
        Buffer.from(p256dh[i] ?? '', 'base64url'),
        Buffer.from(auth[i] ?? '', 'base64url'),
        bytes,
        out,
        offset,
      );
      lengths.push(written);
      errors.push(null);
      offset += written;
    } catch (error) {
      lengths.push(0);
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return [{ id, body, lengths, errors }, [body]];
}
