import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  checkPassword,
  hashPassword,
  PASSWORD_MAX,
  PASSWORD_MIN,
} from '../../accounts/passwords.ts';
import type { Account } from '../../storage/accounts.ts';
import type { Workspace } from '../../storage/workspaces.ts';
import { sessionOf } from '../auth.ts';
import type { AppDeps } from '../context.ts';
import { createFailureLimit } from '../failure-limit.ts';
import { jsonBody, jsonResponse, problemResponses } from '../openapi-parts.ts';
import { ProblemError } from '../problem.ts';
import { ROLES } from '../roles.ts';
import { createRouter, handle } from '../route.ts';
import {
  assertSameOrigin,
  clearSessionCookie,
  ownOrigin,
  setSessionCookie,
} from '../session-cookie.ts';
import { clientIp } from '../site-gate.ts';

const tags = ['Session'];
const cookieSecurity = [{ sessionCookie: [] }];

export const sessionSchema = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), role: z.enum(ROLES) }),
    workspace: z.object({ id: z.string(), name: z.string() }),
  })
  .meta({ id: 'Session' });

const signInBody = z.strictObject({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX),
});

const setPasswordBody = z.strictObject({
  token: z.string().min(1).max(200),
  password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX),
});

const signIn = createRoute({
  method: 'post',
  path: '/session',
  summary: 'Sign in with email and password (sets an HttpOnly session cookie)',
  tags,
  request: { body: jsonBody(signInBody) },
  responses: { 200: jsonResponse('Signed in', sessionSchema), ...problemResponses },
});

const getSession = createRoute({
  method: 'get',
  path: '/session',
  summary: 'The signed-in person and their workspace',
  tags,
  security: cookieSecurity,
  responses: { 200: jsonResponse('The session', sessionSchema), ...problemResponses },
});

const signOut = createRoute({
  method: 'delete',
  path: '/session',
  summary: 'Sign out (`?all=1`: every session of this person, everywhere)',
  tags,
  security: cookieSecurity,
  request: { query: z.object({ all: z.enum(['0', '1']).optional() }) },
  responses: { 204: { description: 'Signed out' }, ...problemResponses },
});

const setPassword = createRoute({
  method: 'post',
  path: '/session/password',
  summary:
    'Set the password with a one-time link token (`/dashboard/set-password?token=…`) and sign in',
  tags,
  request: { body: jsonBody(setPasswordBody) },
  responses: { 200: jsonResponse('Password set; signed in', sessionSchema), ...problemResponses },
});

/** Failed sign-ins allowed per window, per client IP and per email. */
const FAILURES_PER_IP = 30;
const FAILURES_PER_EMAIL = 10;
const FAILURE_WINDOW_MS = 15 * 60_000;

const sessionJson = (account: Account, workspace: Workspace) => ({
  user: { id: account.id, email: account.email, role: account.role },
  workspace: { id: workspace.id, name: workspace.name },
});

/** `/v1/session`: the dashboard's sign-in, sign-out and set-password (API.md "Dashboard and accounts"). */
export function sessionRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const trustProxy = deps.trustProxy ?? 0;
  const app = createRouter();
  const perIp = createFailureLimit(FAILURES_PER_IP, FAILURE_WINDOW_MS, clock);
  const perEmail = createFailureLimit(FAILURES_PER_EMAIL, FAILURE_WINDOW_MS, clock);
  const wrong = () => new ProblemError(401, 'Unauthorized', 'The email or password is wrong');

  /**
   * Login CSRF: a browser always sends Origin on a POST, so one naming another site (or
   * `null`) is refused; tools such as curl send none and are let through.
   */
  const crossSite = (c: Context) => {
    const origin = c.req.header('origin');
    return origin !== undefined && origin !== ownOrigin(c, trustProxy);
  };

  handle(app, signIn, async (c, { body }) => {
    if (crossSite(c)) {
      throw new ProblemError(403, 'Forbidden', 'Sign in from the dashboard itself');
    }
    const ip = clientIp(c, trustProxy);
    const email = body.email.trim().toLowerCase();
    const wait = Math.max(perIp.blockedFor(ip), perEmail.blockedFor(email));
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new ProblemError(429, 'Too Many Requests', 'Too many failed sign-ins; retry later');
    }
    const account = await store.accounts.findForSignIn(email);
    // Unknown email, no password yet, wrong password: one answer, one argon2 verify's time.
    const ok = await checkPassword(account?.passwordHash, body.password);
    if (!account || !ok) {
      perIp.fail(ip);
      perEmail.fail(email);
      throw wrong();
    }
    const workspace = await store.workspaces.get(account.workspaceId);
    if (!workspace) throw wrong();
    setSessionCookie(c, await store.sessions.create(account, clock()), trustProxy);
    c.header('Cache-Control', 'no-store');
    return c.json(sessionJson(account, workspace), 200);
  });

  handle(app, getSession, async (c) => {
    const session = await sessionOf(c, deps);
    if (!session) throw new ProblemError(401, 'Unauthorized', 'Not signed in');
    c.header('Cache-Control', 'no-store');
    return c.json(sessionJson(session.account, session.workspace), 200);
  });

  handle(app, signOut, async (c, { query }) => {
    const session = await sessionOf(c, deps);
    if (!session) throw new ProblemError(401, 'Unauthorized', 'Not signed in');
    assertSameOrigin(c, trustProxy);
    if (query.all === '1') await store.sessions.revokeAll(session.account.id);
    else await store.sessions.revoke(session.token);
    clearSessionCookie(c, trustProxy);
    return c.body(null, 204);
  });

  handle(app, setPassword, async (c, { body }) => {
    if (crossSite(c)) {
      throw new ProblemError(403, 'Forbidden', 'Set the password from the dashboard itself');
    }
    const ip = clientIp(c, trustProxy);
    const wait = perIp.blockedFor(ip);
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new ProblemError(429, 'Too Many Requests', 'Too many failed attempts; retry later');
    }
    const account = await store.accounts.setPassword(
      body.token,
      await hashPassword(body.password),
      clock(),
    );
    if (!account) {
      perIp.fail(ip);
      throw new ProblemError(400, 'Invalid request', 'The link is not valid or has expired');
    }
    const workspace = await store.workspaces.get(account.workspaceId);
    if (!workspace) throw new ProblemError(400, 'Invalid request', 'The link is not valid');
    setSessionCookie(c, await store.sessions.create(account, clock()), trustProxy);
    c.header('Cache-Control', 'no-store');
    return c.json(sessionJson(account, workspace), 200);
  });

  return app;
}
