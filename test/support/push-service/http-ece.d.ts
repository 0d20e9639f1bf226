/**
 * Minimal types for `http_ece` 1.x (CommonJS, ships none): only what the push service uses.
 * Binary parameters may be Buffers or base64url strings; the module decodes strings itself.
 */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  export interface EceParams {
    /** `aes128gcm` (RFC 8188) unless told otherwise. */
    version?: 'aes128gcm' | 'aesgcm';
    /** An explicit 16-byte content key, instead of ECDH. */
    key?: Buffer | string;
    salt?: Buffer | string;
    rs?: number;
    /** For aes128gcm decryption the keyid (sender public key) is read from the body's header. */
    keyid?: Buffer | string;
    /** The receiver (decrypt) or sender (encrypt) ECDH key pair. */
    privateKey?: Pick<ECDH, 'computeSecret' | 'getPublicKey'>;
    /** The peer's public key: needed to encrypt, and to decrypt the older `aesgcm`. */
    dh?: Buffer | string;
    /** RFC 8291 auth secret. */
    authSecret?: Buffer | string;
  }

  export function decrypt(buffer: Buffer, params: EceParams): Buffer;
  export function encrypt(buffer: Buffer, params: EceParams): Buffer;

  const ece: { decrypt: typeof decrypt; encrypt: typeof encrypt };
  export default ece;
}
