import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import { secretBoxFor } from '../secrets/open-secrets.ts';
import { rotateSecrets } from '../secrets/reseal.ts';
import {
  createSecretBox,
  KEY_BYTES,
  parseSecretKey,
  SecretKeyError,
} from '../secrets/secret-box.ts';
import { writeKeyFile } from '../secrets/secret-key.ts';
import { openDatabase } from '../storage/database.ts';
import { createStore } from '../storage/store.ts';

export const SECRETS_USAGE = `  secrets rotate [--new-key-file PATH]
                 re-encrypt every stored secret under a new key: BECKON_SECRET_KEY_NEW,
                 or the key in PATH, or (SQLite key file only) a fresh one written there`;

/**
 * `beckon secrets rotate`: re-seals every site's secrets from the current key (as the server
 * finds it) to a new one. Stop servers and workers first: one holding the old key cannot
 * read what is sealed under the new. A run cut short is finished by running it again.
 * Prints `{"rotated": n, "keyId": "…"}`.
 */
export async function secretsCommand(
  args: string[],
  config: Readonly<Config>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'new-key-file': { type: 'string' } },
  });
  if (positionals[0] !== 'rotate') throw new SecretKeyError(`Usage:\n${SECRETS_USAGE}`);
  const { box: from, source } = secretBoxFor(config.secretKey, config.databaseUrl);
  const newKeyFile = values['new-key-file'];
  let newKey: Buffer;
  if (env.BECKON_SECRET_KEY_NEW) {
    newKey = parseSecretKey(env.BECKON_SECRET_KEY_NEW, 'BECKON_SECRET_KEY_NEW');
  } else if (newKeyFile) {
    newKey = parseSecretKey(readFileSync(newKeyFile, 'utf8'), `The key file ${newKeyFile}`);
  } else if (source.kind === 'file') {
    newKey = randomBytes(KEY_BYTES);
  } else {
    throw new SecretKeyError('Name the new key: BECKON_SECRET_KEY_NEW=… or --new-key-file PATH');
  }
  const to = createSecretBox(newKey);
  // With the default key file, the new key replaces it, so the next start just works. It
  // is written beside it first: if this run dies before the swap, `.new` holds the key.
  const pending = source.kind === 'file' ? `${source.path}.new` : undefined;
  if (pending) writeKeyFile(pending, newKey, 'w');
  const db = await openDatabase(config.databaseUrl);
  let rotated: number;
  try {
    rotated = await rotateSecrets(createStore(db, { secrets: from }), from, to);
  } finally {
    await db.close();
  }
  if (pending && source.kind === 'file') renameSync(pending, source.path);
  process.stderr.write(
    source.kind === 'file'
      ? `[beckon] ${source.path} now holds the new key (${to.keyId})\n`
      : `[beckon] now set BECKON_SECRET_KEY to the new key (${to.keyId}) and start the server\n`,
  );
  process.stdout.write(`${JSON.stringify({ rotated, keyId: to.keyId })}\n`);
}
