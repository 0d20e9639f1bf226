import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { clientKey } from './client-ip.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { notFound, ProblemError } from './problem.ts';
import { createRateLimiter } from './rate-limit.ts';

/**
 * In front of every public endpoint (`/v1/sites/{siteKey}/...`): rate limits per client IP
 * (before anything else, so unknown site keys and preflights count too and a flood of made-up
 * keys never reaches the database), finds the site, answers CORS (preflight too) only for the
 * site's own origins, refuses other origins, and rate limits per site.
 */
export function siteGate(deps: AppDeps) {
  const perIp = createRateLimiter(deps.rateLimit.perIpPerMinute, deps.clock);
  const perSite = createRateLimiter(deps.rateLimit.perSitePerMinute, deps.clock);

  return createMiddleware<AppEnv>(async (c, next) => {
    limit(c, perIp.take(clientIp(c, deps.trustProxy ?? 0)));
    const site = await deps.store.sites.getByKey(c.req.param('siteKey') ?? '');
    if (!site) throw notFound('Site');
    limit(c, perSite.take(site.id));
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && site.origins.includes(origin);
    if (origin !== undefined && !allowed) {
      throw new ProblemError(403, 'Forbidden', `Origin ${origin} is not allowed for this site`);
    }
    if (allowed) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
    }
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '86400');
      return c.body(null, 204);
    }
    c.set('site', site);
    await next();
    return undefined;
  });
}

function limit(c: Context, taken: { ok: true } | { ok: false; retryAfterSeconds: number }) {
  if (taken.ok) return;
  c.header('Retry-After', String(taken.retryAfterSeconds));
  throw new ProblemError(429, 'Too Many Requests', 'Rate limit exceeded; retry later');
}

/** The rate-limit key of the request's client (see client-ip.ts). */
export function clientIp(c: Context, trustProxy: number): string {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined; // app.request() in tests has no socket
  }
  return clientKey(peer, c.req.header('x-forwarded-for'), trustProxy);
}
