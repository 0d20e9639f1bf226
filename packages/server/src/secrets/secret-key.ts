import {
  closeSync,
  existsSync,
  fchmodSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isPostgresUrl, sqliteFile } from '../storage/database.ts';
import { KEY_BYTES, parseSecretKey, SecretKeyError } from './secret-box.ts';

/** Where the key comes from: the environment, or a key file beside the SQLite database. */
export type SecretKeySource = { kind: 'env' } | { kind: 'file'; path: string } | { kind: 'memory' };

/** `beckon.db` → `beckon.db.key`. */
export const keyFileFor = (databaseUrl: string | undefined) => `${sqliteFile(databaseUrl)}.key`;

/**
 * The key that seals secrets at rest: `BECKON_SECRET_KEY` (base64, 32 bytes) when set;
 * otherwise, on SQLite, a key file beside the database, created with mode 0600 on first
 * start. PostgreSQL has no file to sit beside, and its rows are usually backed up elsewhere
 * than the server's disk, so there it must come from the environment.
 *
 * @example const { key } = loadSecretKey(config.secretKey, config.databaseUrl)
 */
export function loadSecretKey(
  secretKey: string | undefined,
  databaseUrl: string | undefined,
): { key: Buffer; source: SecretKeySource } {
  if (secretKey)
    return { key: parseSecretKey(secretKey, 'BECKON_SECRET_KEY'), source: { kind: 'env' } };
  if (isPostgresUrl(databaseUrl)) {
    throw new SecretKeyError(
      'BECKON_SECRET_KEY is required with PostgreSQL: it encrypts VAPID private keys and ' +
        'identity secrets at rest. Create one with `openssl rand -base64 32` and keep it safe.',
    );
  }
  // An in-memory database dies with the process; so may its key.
  if (sqliteFile(databaseUrl) === ':memory:') {
    return { key: randomBytes(KEY_BYTES), source: { kind: 'memory' } };
  }
  const path = keyFileFor(databaseUrl);
  return { key: readOrCreateKeyFile(path), source: { kind: 'file', path } };
}

/**
 * Reads a key file, creating it (mode 0600) if absent. The key is written to a temporary
 * file and hard-linked into place, which fails if the file exists: two processes starting
 * together agree on one key, and neither ever reads a half-written file.
 */
export function readOrCreateKeyFile(path: string): Buffer {
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    writeKeyFile(tmp, randomBytes(KEY_BYTES), 'w');
    try {
      linkSync(tmp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(tmp);
    }
  }
  return parseSecretKey(readFileSync(path, 'utf8'), `The key file ${path}`);
}

/** Writes a key as base64; `fchmod` as well, since the umask may narrow `open`'s mode. */
export function writeKeyFile(path: string, key: Buffer, flag: 'wx' | 'w'): void {
  const fd = openSync(path, flag, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${key.toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
}
