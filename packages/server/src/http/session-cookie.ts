import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { SESSION_TTL_MS } from '../storage/sessions.ts';
import { ProblemError } from './problem.ts';

export const SESSION_COOKIE = 'beckon_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The server's own origin as the browser sees it. Behind `trustProxy` hops a proxy that
 * terminates TLS says so with `X-Forwarded-Proto` (and its host with `X-Forwarded-Host`);
 * without trusted hops those headers are anyone's and are ignored.
 */
export function ownOrigin(c: Context, trustProxy: number): string {
  const url = new URL(c.req.url);
  if (trustProxy > 0) {
    const proto = firstValue(c.req.header('x-forwarded-proto'));
    const host = firstValue(c.req.header('x-forwarded-host'));
    if (proto === 'https' || proto === 'http') url.protocol = `${proto}:`;
    if (host) url.host = host;
  }
  return url.origin;
}

const firstValue = (header: string | undefined) => header?.split(',')[0]?.trim().toLowerCase();

/** A state-changing request authenticated by cookie must carry our own `Origin` (else 403). */
export function assertSameOrigin(c: Context, trustProxy: number): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  if (c.req.header('origin') !== ownOrigin(c, trustProxy)) {
    throw new ProblemError(
      403,
      'Forbidden',
      'A signed-in request that changes data must come from the dashboard itself (Origin)',
    );
  }
}

/** HttpOnly, SameSite=Lax, Path=/, and Secure when the browser reached us over https. */
export function setSessionCookie(c: Context, token: string, trustProxy: number): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: ownOrigin(c, trustProxy).startsWith('https:'),
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function clearSessionCookie(c: Context, trustProxy: number): void {
  deleteCookie(c, SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: ownOrigin(c, trustProxy).startsWith('https:'),
  });
}
