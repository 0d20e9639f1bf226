import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `authorization` is `Bearer <token>`, compared in constant time (both sides hashed
 * first, so neither the content nor the length of the token leaks through timing).
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(authorization?.trim() ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}
