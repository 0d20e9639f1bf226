import { readFile } from 'node:fs/promises';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { bearerMatches } from '../metrics.ts';
import { jsonResponse, problemResponses } from '../openapi-parts.ts';
import { ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { migrationsPending } from '../../storage/database.ts';

const tags = ['Operations'];

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the server answers and its database does',
  tags,
  responses: {
    200: jsonResponse(
      'Healthy',
      z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) }),
    ),
    ...problemResponses,
  },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: the database answers and every migration this code knows is applied',
  tags,
  responses: {
    200: jsonResponse(
      'Ready for traffic',
      z.object({ status: z.literal('ready'), database: z.enum(['sqlite', 'postgres']) }),
    ),
    503: jsonResponse(
      'Not ready: migrating, or the database is unreachable',
      z.object({
        status: z.enum(['migrating', 'database unreachable']),
        pending: z.array(z.string()).optional(),
      }),
    ),
  },
});

const openApiDocument = createRoute({
  method: 'get',
  path: '/openapi.json',
  summary: 'This document (OpenAPI 3.1), generated from the route declarations',
  tags,
  responses: {
    200: jsonResponse('The OpenAPI document', z.looseObject({ openapi: z.string() })),
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (`Bearer $BECKON_METRICS_TOKEN`; 404 when no token is set)',
  tags,
  security: [{ metricsToken: [] }],
  responses: {
    200: {
      description: 'Prometheus text exposition format 0.0.4',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...problemResponses,
  },
});

const javascript = (description: string) => ({
  200: { description, content: { 'text/javascript': { schema: z.string() } } },
  ...problemResponses,
});

const snippet = createRoute({
  method: 'get',
  path: '/beckon.js',
  summary: 'The snippet (`<script async src=".../beckon.js" data-site="SITE_KEY">`)',
  tags: ['Browser files'],
  responses: javascript('The snippet bundle'),
});

const serviceWorker = createRoute({
  method: 'get',
  path: '/beckon-sw.js',
  summary: 'The service worker (copied to the site, or loaded with importScripts)',
  tags: ['Browser files'],
  responses: javascript('The service-worker bundle'),
});

/** Health, readiness, the OpenAPI document, Prometheus metrics and the two browser files. */
export function metaRoutes(deps: AppDeps, metrics: Metrics, document: () => object) {
  const app = createRouter();

  handle(app, healthz, async (c) => {
    await deps.store.health.ping();
    return c.json({ status: 'ok' as const, database: deps.store.db.dialect });
  });

  // Ready for traffic: the database answers and every migration this code knows is applied
  // (during a rolling upgrade, an old process beside a newer schema stays ready; a new one
  // waits until its migrations ran). 503 otherwise, for load balancers and orchestrators.
  handle(app, readyz, async (c) => {
    try {
      const pending = await migrationsPending(deps.store.db);
      if (pending.length > 0) return c.json({ status: 'migrating' as const, pending }, 503);
      return c.json({ status: 'ready' as const, database: deps.store.db.dialect });
    } catch {
      return c.json({ status: 'database unreachable' as const }, 503);
    }
  });

  handle(app, openApiDocument, (c) => c.json(document()));

  // Token-only: queue sizes and volumes are business data. Unset token → no such route.
  handle(app, metricsRoute, async (c) => {
    const token = deps.metricsToken;
    if (!token) throw new ProblemError(404, 'Not Found', 'No route for GET /metrics');
    if (!bearerMatches(c.req.header('authorization'), token)) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ProblemError(401, 'Unauthorized', 'GET /metrics needs the metrics token');
    }
    return c.text(await metrics.text(), 200, { 'Content-Type': metrics.contentType });
  });

  const serveAsset = (path: string) => async (c: Context<AppEnv>) => {
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
  handle(app, snippet, serveAsset(deps.assets.snippet));
  handle(app, serviceWorker, serveAsset(deps.assets.serviceWorker));

  return app;
}
