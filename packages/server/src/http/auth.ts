import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Account } from '../storage/accounts.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { ProblemError } from './problem.ts';
import { assertAllowed } from './roles.ts';
import { assertSameOrigin, SESSION_COOKIE } from './session-cookie.ts';

/** Who made a private request: an API key (acts as owner) or a signed-in account. */
export type Principal =
  | { kind: 'apiKey'; role: 'owner' }
  | { kind: 'session'; role: Account['role']; account: Account; token: string };

/**
 * Private routes: `Authorization: Bearer <apiKey>` (and, for Segment-style ingestion, HTTP
 * Basic with the key as user name: Segment's write-key convention), or the dashboard's
 * session cookie. Missing or unknown → 401. A cookie-authenticated request that changes
 * anything must come from the server's own origin (a cross-site form post carries the
 * cookie too: SameSite=Lax lets top-level POSTs through only on some browsers' defaults, and
 * same-site sibling origins are not covered at all) → else 403. Then the role decides (roles.ts).
 */
export function requireAuth(deps: AppDeps, opts: { allowBasic?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const key = apiKeyFrom(header, opts.allowBasic ?? false);
      const workspace = key && (await deps.store.workspaces.findByApiKey(key));
      if (!workspace) throw new ProblemError(401, 'Unauthorized', 'The API key is not valid');
      c.set('workspace', workspace);
      c.set('principal', { kind: 'apiKey', role: 'owner' });
      await next();
      return;
    }
    const session = await sessionOf(c, deps);
    if (!session) {
      throw new ProblemError(
        401,
        'Unauthorized',
        'Send the API key as Authorization: Bearer <key>, or sign in',
      );
    }
    assertSameOrigin(c, deps.trustProxy ?? 0);
    assertAllowed(session.account.role, c.req.method, c.req.path);
    c.set('workspace', session.workspace);
    c.set('principal', { kind: 'session', ...session, role: session.account.role });
    await next();
  });
}

/** The live session named by the request's cookie, if any. */
export async function sessionOf(c: Context<AppEnv>, deps: AppDeps) {
  const token = getCookie(c, SESSION_COOKIE);
  // Bounded before it reaches the database: a token is 50 characters.
  if (!token || token.length > 200) return undefined;
  const found = await deps.store.sessions.find(token, deps.clock());
  return found && { ...found, token };
}

function apiKeyFrom(header: string, allowBasic: boolean): string | undefined {
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (allowBasic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':', 1)[0] || undefined;
  }
  return undefined;
}
