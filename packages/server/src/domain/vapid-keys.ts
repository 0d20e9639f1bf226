import { createECDH } from 'node:crypto';

/**
 * Whether a VAPID key pair brought from another push vendor belongs together (RFC 8292 §3.2:
 * the public key is the uncompressed P-256 point, 65 bytes, the private key its 32-byte
 * scalar, both base64url). A mismatched pair would sign JWTs every push service refuses.
 *
 * @example isVapidKeyPair(webpush.generateVAPIDKeys()) // true
 */
export function isVapidKeyPair(keys: { publicKey: string; privateKey: string }): boolean {
  try {
    const privateKey = Buffer.from(keys.privateKey, 'base64url');
    const publicKey = Buffer.from(keys.publicKey, 'base64url');
    if (privateKey.length !== 32 || publicKey.length !== 65) return false;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    return ecdh.getPublicKey().equals(publicKey);
  } catch {
    return false;
  }
}
