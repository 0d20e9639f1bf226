import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiKeyInfo } from '../../storage/workspaces.ts';
import type { AppDeps } from '../context.ts';
import {
  apiKeySecurity,
  idParams,
  jsonBody,
  jsonResponse,
  problemResponses,
} from '../openapi-parts.ts';
import { iso } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { createRouter, handle } from '../route.ts';

const tags = ['API keys'];

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    prefix: z.string().describe("The key's first characters"),
    createdAt: z.string(),
  })
  .meta({ id: 'ApiKey' });

const listKeys = createRoute({
  method: 'get',
  path: '/',
  summary: "The workspace's API keys (owner only; never the keys themselves)",
  tags,
  security: apiKeySecurity,
  responses: {
    200: jsonResponse(
      'Every key (one page)',
      z.object({ data: z.array(apiKeySchema), nextCursor: z.null() }),
    ),
    ...problemResponses,
  },
});

const createKey = createRoute({
  method: 'post',
  path: '/',
  summary: 'A new API key (owner only); `key` is shown only in this answer',
  tags,
  security: apiKeySecurity,
  request: { body: jsonBody(z.strictObject({ name: z.string().trim().min(1).max(100) })) },
  responses: {
    201: jsonResponse('The new key', apiKeySchema.extend({ key: z.string() })),
    ...problemResponses,
  },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Revoke an API key (owner only): the next request with it is a 401',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 204: { description: 'Revoked' }, ...problemResponses },
});

const keyJson = (key: ApiKeyInfo) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  createdAt: iso(key.createdAt),
});

/** `/v1/api-keys` (API.md "Dashboard and accounts"); roles.ts keeps them to owners. */
export function apiKeyRoutes({ store, clock }: AppDeps) {
  const app = createRouter();

  handle(app, listKeys, async (c) => {
    const keys = await store.workspaces.listApiKeys(c.get('workspace').id);
    return c.json({ data: keys.map(keyJson), nextCursor: null }, 200);
  });

  handle(app, createKey, async (c, { body }) => {
    const { key, apiKey } = await store.workspaces.createApiKey(
      c.get('workspace').id,
      body.name,
      clock(),
    );
    c.header('Cache-Control', 'no-store');
    return c.json({ ...keyJson(key), key: apiKey }, 201);
  });

  handle(app, revokeKey, async (c, { params }) => {
    if (!(await store.workspaces.revokeApiKey(c.get('workspace').id, params.id))) {
      throw notFound('API key');
    }
    return c.body(null, 204);
  });

  return app;
}
