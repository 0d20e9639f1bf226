import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a rotated identity secret keeps verifying (API.md "Identity verification"). */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * `userHash = lowercase hex HMAC-SHA256(key = identitySecret, message = externalId)`, both
 * UTF-8: what a site's backend computes and its page passes to `identify`.
 *
 * @example userHash('bis_…', 'user-42') // '5f1c…' (64 hex characters)
 */
export const userHash = (identitySecret: string, externalId: string) =>
  createHmac('sha256', Buffer.from(identitySecret, 'utf8'))
    .update(Buffer.from(externalId, 'utf8'))
    .digest('hex');

export interface IdentitySecrets {
  identitySecret: string;
  previousIdentitySecret: string | null;
  previousIdentitySecretUntil: number | null;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Whether `hash` proves the page's backend vouched for `externalId`: it matches the current
 * secret, or the previous one within its grace period. Compared in constant time, so the
 * answer's timing says nothing about how much of a guess was right.
 */
export function verifyUserHash(
  site: IdentitySecrets,
  externalId: string,
  hash: string | undefined,
  now: number,
): boolean {
  if (hash === undefined || !HEX_SHA256.test(hash)) return false;
  const given = Buffer.from(hash, 'hex');
  const secrets = [site.identitySecret];
  if (site.previousIdentitySecret && (site.previousIdentitySecretUntil ?? 0) > now) {
    secrets.push(site.previousIdentitySecret);
  }
  // Every secret is tried, match or not: the time taken does not depend on which matched.
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(userHash(secret, externalId), 'hex');
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
}
