import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppDeps } from '../context.ts';
import {
  apiKeySecurity,
  jsonBody,
  jsonResponse,
  noContent,
  problemResponses,
} from '../openapi-parts.ts';
import { iso, subscriberJson, subscriberSchema } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { createRouter, handle } from '../route.ts';

const externalIdParams = z.object({
  externalId: z.string().min(1).max(256).describe("The user's id in the customer's own system"),
});

const traitsSchema = z.record(z.string(), z.unknown());
/** `{ traits: {...} }`, or the traits object itself. */
export const putUserSchema = traitsSchema.transform((body) =>
  Object.keys(body).length === 1 &&
  typeof body.traits === 'object' &&
  body.traits !== null &&
  !Array.isArray(body.traits)
    ? (body.traits as Record<string, unknown>)
    : body,
);

const isoTime = z.iso.datetime();
export const userSchema = z
  .object({
    externalId: z.string(),
    traits: traitsSchema,
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'User' });

/** A user with everything about them; times are null for a user known only by subscribers. */
export const userDetailSchema = userSchema
  .extend({
    createdAt: isoTime.nullable(),
    updatedAt: isoTime.nullable(),
    subscribers: z.array(subscriberSchema),
    audiences: z.array(
      z.object({ id: z.string(), name: z.string(), type: z.enum(['manual', 'rule']) }),
    ),
  })
  .meta({ id: 'UserDetail' });

const tags = ['Users'];

const putUser = createRoute({
  method: 'put',
  path: '/{externalId}',
  summary: "Set a user's traits (all of them: what is left out is removed)",
  tags,
  security: apiKeySecurity,
  request: { params: externalIdParams, body: jsonBody(putUserSchema) },
  responses: { 200: jsonResponse('The user', userSchema), ...problemResponses },
});

const getUser = createRoute({
  method: 'get',
  path: '/{externalId}',
  summary: 'A user, its subscribers on every site and its audiences',
  tags,
  security: apiKeySecurity,
  request: { params: externalIdParams },
  responses: { 200: jsonResponse('The user', userDetailSchema), ...problemResponses },
});

const eraseUser = createRoute({
  method: 'delete',
  path: '/{externalId}',
  summary: 'Erase a user, its subscribers and its events (GDPR)',
  tags,
  security: apiKeySecurity,
  request: { params: externalIdParams },
  responses: { 204: noContent('Erased: no row names the user any more'), ...problemResponses },
});

/** `/v1/users/{externalId}`: a user's traits, everything about them, and GDPR erasure. */
export function userRoutes({ store, clock, log }: AppDeps) {
  const app = createRouter();

  handle(app, putUser, async (c, { params: { externalId }, body: traits }) => {
    const user = await store.users.replace(c.get('workspace').id, externalId, traits, clock());
    return c.json({
      externalId,
      traits: user.traits,
      createdAt: iso(user.createdAt),
      updatedAt: iso(user.updatedAt),
    });
  });

  handle(app, getUser, async (c, { params: { externalId } }) => {
    const workspaceId = c.get('workspace').id;
    const user = await store.users.get(workspaceId, externalId);
    const subscribers = await store.subscribers.list(workspaceId, { externalId }, { limit: 500 });
    if (!user && subscribers.data.length === 0) throw notFound('User');
    const audiences = await store.audiences.ofUser(workspaceId, externalId, clock(), (a, error) =>
      log(`audience ${a.id} skipped for a user: ${(error as Error).message}`),
    );
    return c.json({
      externalId,
      traits: user?.traits ?? {},
      createdAt: iso(user?.createdAt),
      updatedAt: iso(user?.updatedAt),
      subscribers: subscribers.data.map(subscriberJson),
      audiences,
    });
  });

  handle(app, eraseUser, async (c, { params: { externalId } }) => {
    if (!(await store.users.erase(c.get('workspace').id, externalId, clock())))
      throw notFound('User');
    return c.body(null, 204);
  });

  return app;
}
