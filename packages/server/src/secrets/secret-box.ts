import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (VAPID private keys, identity secrets) are stored as
 * `enc:v1:<keyId>:<iv>:<ciphertext+tag>`, base64url parts, AES-256-GCM. The key id (a hash
 * prefix of the key, never the key) says which key sealed a value, so a wrong key is named
 * as such at start rather than failing later as a bad signature. A value without the prefix
 * is a legacy plain one, sealed by the start-up step (`sealStoredSecrets`).
 */
export const SEALED_PREFIX = 'enc:v1:';

/** NIST SP 800-38D §8.2: a random 96-bit IV per message; a key seals far fewer than 2^32. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/**
 * Opened values kept per box. Every delivery batch reads its sites' VAPID keys, and opening
 * one (base64 + AES-GCM) cost ~0.1 ms a batch; a sealed value carries its own random IV, so a
 * changed secret is a new entry and a cached one is never stale.
 */
const OPENED_MAX = 1_024;

export interface SecretBox {
  /** Names the key (8 base64url characters of its SHA-256): safe to print and store. */
  keyId: string;
  seal(plain: string): string;
  /** Opens a sealed value; a legacy plain value is returned as it is. */
  open(stored: string): string;
}

export class SecretKeyError extends Error {}

export const isSealed = (stored: string) => stored.startsWith(SEALED_PREFIX);

/** The id of the key that sealed a value, or undefined for a plain one. */
export const sealedKeyId = (stored: string) =>
  isSealed(stored) ? stored.slice(SEALED_PREFIX.length).split(':')[0] : undefined;

export const keyIdOf = (key: Buffer) =>
  createHash('sha256').update(key).digest().subarray(0, 6).toString('base64url');

/**
 * Parses a base64 (or base64url) 32-byte key, as in `BECKON_SECRET_KEY`.
 *
 * @example parseSecretKey(process.env.BECKON_SECRET_KEY!, 'BECKON_SECRET_KEY')
 */
export function parseSecretKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, /[-_]/.test(trimmed) ? 'base64url' : 'base64');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) || key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `${what} must be ${KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return key;
}

/**
 * AES-256-GCM over one key.
 *
 * @example const box = createSecretBox(randomBytes(32)); box.open(box.seal('x')) === 'x'
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`A secret key is ${KEY_BYTES} bytes`);
  const keyId = keyIdOf(key);
  const opened = new Map<string, string>();
  return {
    keyId,
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([
        cipher.update(plain, 'utf8'),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return `${SEALED_PREFIX}${keyId}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
    },
    open(stored) {
      if (!isSealed(stored)) return stored;
      const known = opened.get(stored);
      if (known !== undefined) return known;
      const plain = openSealed(stored);
      if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!);
      opened.set(stored, plain);
      return plain;
    },
  };

  function openSealed(stored: string): string {
    const [id, iv, body] = stored.slice(SEALED_PREFIX.length).split(':');
    if (id !== keyId) {
      throw new SecretKeyError(
        `A stored secret was encrypted under key ${id}, but the configured key is ${keyId}: ` +
          'set BECKON_SECRET_KEY (or the key file beside the SQLite database) to the key in use',
      );
    }
    const bytes = Buffer.from(body ?? '', 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES));
      return Buffer.concat([plain, decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`A stored secret under key ${id} does not decrypt: it was altered`);
    }
  }
}

/** For stores opened without a key (tools that only seed data): writes plain legacy values. */
export const PLAIN_BOX: SecretBox = {
  keyId: 'plain',
  seal: (plain) => plain,
  open(stored) {
    if (isSealed(stored)) {
      throw new SecretKeyError(
        'A stored secret is encrypted, but this store was opened without a key',
      );
    }
    return stored;
  },
};
