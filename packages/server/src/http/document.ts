import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.ts';
import { legacyOpenApiDocument } from './openapi.ts';

/**
 * The OpenAPI 3.1 document served at /openapi.json, generated from the routes' own
 * declarations (`createRoute`), so it cannot drift from what the server does.
 */
export function apiDocument(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`Authorization: Bearer bk_…`)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'beckon_session',
    description: 'The dashboard session (`POST /v1/session`); private routes accept it like a key',
  });
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Beckon', version: '1', description: 'Self-hosted web push: see API.md' },
  });
  const paths = (document.paths ??= {}) as Record<string, Record<string, unknown>>;
  const legacy = legacyOpenApiDocument();
  for (const [path, operations] of Object.entries(legacy.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      (paths[path] ??= {})[method] ??= operation;
    }
  }
  const schemas = ((document.components ??= {}).schemas ??= {}) as Record<string, unknown>;
  schemas['Problem'] ??= legacy.components.schemas.Problem;
  return document;
}
