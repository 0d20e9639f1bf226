import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';
import { routePath } from 'hono/route';
import { logger, logPii } from '../observability/logger.ts';

/** A caller's own request id is kept if it looks like one (no log injection, bounded). */
const GIVEN_ID = /^[\w.:-]{1,64}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id`, else a new one, echoed back, and
 * `c.get('requestId')` for handlers that log) and logs one line when it ends. The line names
 * the route pattern (`/v1/users/:externalId`), not the path, so externalIds and query strings
 * stay out of the logs unless `BECKON_LOG_PII=1`.
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && GIVEN_ID.test(given) ? given : randomUUID();
    const started = performance.now();
    c.set('requestId', requestId);
    // Set before the handler builds its response, so `c.json()` includes it: setting a header
    // on a finished response makes Hono rebuild it around its body as a web stream, which
    // @hono/node-server then pumps chunk by chunk instead of writing the string at once.
    c.header('X-Request-Id', requestId);
    await next();
    // A handler that returned its own `Response` never saw the prepared header.
    if (!c.res.headers.has('x-request-id')) c.header('X-Request-Id', requestId);
    const status = c.res.status;
    const fields = {
      requestId,
      method: c.req.method,
      route: routePath(c, -1),
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      ...(logPii() && { path: c.req.path }),
    };
    if (status >= 500) logger().error(fields, 'request');
    else logger().info(fields, 'request');
  };
}
