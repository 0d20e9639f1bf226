import { readFile } from 'node:fs/promises';
import { Hono, type Context } from 'hono';
import { sql } from 'kysely';
import type { AppDeps, AppEnv } from '../context.ts';
import { bearerMatches } from '../metrics.ts';
import { ProblemError } from '../problem.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { migrationsPending } from '../../storage/database.ts';

/** Health, readiness, the OpenAPI document, Prometheus metrics and the two browser files. */
export function metaRoutes(deps: AppDeps, metrics: Metrics, document: () => object) {
  const app = new Hono<AppEnv>();

  app.get('/healthz', async (c) => {
    await sql`select 1`.execute(deps.store.db.kysely);
    return c.json({ status: 'ok', database: deps.store.db.dialect });
  });

  // Ready for traffic: the database answers and every migration this code knows is applied
  // (during a rolling upgrade, an old process beside a newer schema stays ready; a new one
  // waits until its migrations ran). 503 otherwise, for load balancers and orchestrators.
  app.get('/readyz', async (c) => {
    try {
      const pending = await migrationsPending(deps.store.db);
      if (pending.length > 0) {
        return c.json({ status: 'migrating', pending }, 503);
      }
      return c.json({ status: 'ready', database: deps.store.db.dialect });
    } catch {
      return c.json({ status: 'database unreachable' }, 503);
    }
  });

  app.get('/openapi.json', (c) => c.json(document()));

  // Token-only: queue sizes and volumes are business data. Unset token → no such route.
  app.get('/metrics', async (c) => {
    const token = deps.metricsToken;
    if (!token) throw new ProblemError(404, 'Not Found', 'No route for GET /metrics');
    if (!bearerMatches(c.req.header('authorization'), token)) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ProblemError(401, 'Unauthorized', 'GET /metrics needs the metrics token');
    }
    return c.text(await metrics.text(), 200, { 'Content-Type': metrics.contentType });
  });

  const serveAsset = (path: string) => async (c: Context) => {
    let body: string;
    try {
      body = await readFile(path, 'utf8');
    } catch {
      throw new ProblemError(404, 'Not Found', `${path} is not built; run npm run build`);
    }
    return c.body(body, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
      // A service worker may control the whole site only if its scope allows it.
      'Service-Worker-Allowed': '/',
      'Access-Control-Allow-Origin': '*',
    });
  };
  app.get('/beckon.js', serveAsset(deps.assets.snippet));
  app.get('/beckon-sw.js', serveAsset(deps.assets.serviceWorker));

  return app;
}
