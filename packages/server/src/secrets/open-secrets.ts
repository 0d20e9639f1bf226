import { createSecretBox, type SecretBox } from './secret-box.ts';
import { loadSecretKey, type SecretKeySource } from './secret-key.ts';

/**
 * The secret box for a database, from `BECKON_SECRET_KEY` or the SQLite key file.
 * Throws a `SecretKeyError` with a clear message when no key can be had (PostgreSQL without
 * `BECKON_SECRET_KEY`) or the key is malformed.
 */
export function secretBoxFor(
  secretKey: string | undefined,
  databaseUrl: string | undefined,
): { box: SecretBox; source: SecretKeySource } {
  const { key, source } = loadSecretKey(secretKey, databaseUrl);
  return { box: createSecretBox(key), source };
}
