import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id`: the package exports it as a const enum, which verbatimModuleSyntax cannot import. */
const ARGON2ID = 2;

/**
 * Password hashing with argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane): about 20 ms
 * a hash on one core here, slow for a guesser, cheap enough for a sign-in.
 */
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Bounds on a new password: long enough to resist guessing, short enough to bound hashing. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** A hash of nothing, made once: verifying against it costs what a real check costs. */
let dummy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored`. With no stored hash (unknown email, or no password set
 * yet) a dummy hash is still verified, so the answer takes as long either way and timing
 * does not tell which emails have accounts.
 */
export async function checkPassword(stored: string | null | undefined, password: string) {
  if (!stored) {
    dummy ??= hashPassword('not a password: makes unknown emails cost a real verify');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
