import { describe, expect, it } from 'vitest';
import { PREVIOUS_SECRET_GRACE_MS, userHash, verifyUserHash } from './user-hash.ts';

const site = {
  identitySecret: 'bis_new',
  previousIdentitySecret: null,
  previousIdentitySecretUntil: null,
};

describe('userHash', () => {
  it('is the lowercase hex HMAC-SHA256 of the externalId keyed by the secret (RFC 4231 case 2)', () => {
    // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
    expect(userHash('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('hashes UTF-8, so a non-ASCII externalId verifies', () => {
    const hash = userHash('bis_new', 'zoë-🙂');
    expect(verifyUserHash(site, 'zoë-🙂', hash, 0)).toBe(true);
  });
});

describe('verifyUserHash', () => {
  it('accepts the hash of the current secret and refuses a missing, wrong or malformed one', () => {
    expect(verifyUserHash(site, 'u1', userHash('bis_new', 'u1'), 0)).toBe(true);
    expect(verifyUserHash(site, 'u1', undefined, 0)).toBe(false);
    expect(verifyUserHash(site, 'u1', userHash('bis_new', 'u2'), 0)).toBe(false);
    expect(verifyUserHash(site, 'u1', userHash('bis_other', 'u1'), 0)).toBe(false);
    expect(verifyUserHash(site, 'u1', 'zz', 0)).toBe(false);
    expect(verifyUserHash(site, 'u1', userHash('bis_new', 'u1').toUpperCase(), 0)).toBe(false);
  });

  it('honours the previous secret only until its grace period ends', () => {
    const rotated = {
      identitySecret: 'bis_new',
      previousIdentitySecret: 'bis_old',
      previousIdentitySecretUntil: 1_000 + PREVIOUS_SECRET_GRACE_MS,
    };
    const old = userHash('bis_old', 'u1');
    expect(verifyUserHash(rotated, 'u1', old, 1_000)).toBe(true);
    expect(verifyUserHash(rotated, 'u1', old, 1_000 + PREVIOUS_SECRET_GRACE_MS)).toBe(false);
  });
});
