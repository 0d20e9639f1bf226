import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppDeps, AppEnv } from './context.ts';
import { notFound, ProblemError } from './problem.ts';
import { createRateLimiter } from './rate-limit.ts';

/**
 * In front of every public endpoint (`/v1/sites/{siteKey}/...`): finds the site, answers
 * CORS (preflight too) only for the site's own origins, refuses other origins, and rate
 * limits per IP and per site.
 */
export function siteGate(deps: AppDeps) {
  const perIp = createRateLimiter(deps.rateLimit.perIpPerMinute, deps.clock);
  const perSite = createRateLimiter(deps.rateLimit.perSitePerMinute, deps.clock);

  return createMiddleware<AppEnv>(async (c, next) => {
    const site = await deps.store.sites.getByKey(c.req.param('siteKey') ?? '');
    if (!site) throw notFound('Site');
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
    const ip = clientIp(c);
    if (!perIp.take(`${site.id}|${ip}`) || !perSite.take(site.id)) {
      c.header('Retry-After', '60');
      throw new ProblemError(429, 'Too Many Requests', 'Rate limit exceeded; retry later');
    }
    c.set('site', site);
    await next();
    return undefined;
  });
}

function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}
