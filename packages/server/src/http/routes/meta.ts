import { readFile } from 'node:fs/promises';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { bearerMatches, metricsText, type Metrics } from '../metrics.ts';
import { jsonResponse, problemResponses } from '../openapi-parts.ts';
import { ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';

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

/** Health, the OpenAPI document, Prometheus metrics and the two browser files. */
export function metaRoutes(deps: AppDeps, metrics: Metrics, document: () => object) {
  const app = createRouter();

  handle(app, healthz, async (c) => {
    await deps.store.health.ping();
    return c.json({ status: 'ok' as const, database: deps.store.db.dialect });
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
    const depth = await deps.store.health.queueDepths();
    return c.text(metricsText(metrics, depth), 200, {
      'Content-Type': 'text/plain; version=0.0.4',
    });
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
