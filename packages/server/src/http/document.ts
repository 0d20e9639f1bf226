import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';

/**
 * The OpenAPI 3.1 document served at /openapi.json, generated from the routes' own
 * declarations (`createRoute`), so it cannot drift from what the server does
 * (document.test.ts compares it with `app.routes` both ways).
 */
export function apiDocument(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`Authorization: Bearer bk_…`)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'writeKey', {
    type: 'http',
    scheme: 'basic',
    description: "An API key as the user name, no password (Segment's write-key convention)",
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: '`BECKON_METRICS_TOKEN`, for `GET /metrics` only',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'beckon_session',
    description: 'The dashboard session (`POST /v1/session`); private routes accept it like a key',
  });
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Beckon', version: '1', description: 'Self-hosted web push: see API.md' },
  });
}
