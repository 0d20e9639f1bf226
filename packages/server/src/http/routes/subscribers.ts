import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { subscriberActivityJson, subscriberActivitySchema } from '../activity-presenter.ts';
import type { AppDeps } from '../context.ts';
import {
  apiKeySecurity,
  idParams,
  jsonResponse,
  noContent,
  pageOf,
  problemResponses,
} from '../openapi-parts.ts';
import { subscriberJson, subscriberSchema } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { pageQuerySchema } from '../schemas.ts';

const tags = ['Subscribers'];

const listQuery = pageQuerySchema.extend({
  siteId: z.string().optional(),
  externalId: z.string().optional(),
  category: z.string().optional().describe('Subscribers who ticked this category'),
  audienceId: z.string().optional().describe('Subscribers reached by this audience'),
});

const listSubscribers = createRoute({
  method: 'get',
  path: '/',
  summary: 'List subscribers (filters combine with AND)',
  tags,
  security: apiKeySecurity,
  request: { query: listQuery },
  responses: {
    200: jsonResponse('One page of subscribers', pageOf(subscriberSchema)),
    ...problemResponses,
  },
});

const getSubscriber = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A subscriber',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 200: jsonResponse('The subscriber', subscriberSchema), ...problemResponses },
});

const deleteSubscriber = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a subscriber (its browser gets no more pushes)',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 204: noContent('Deleted'), ...problemResponses },
});

const getActivity = createRoute({
  method: 'get',
  path: '/{id}/activity',
  summary: "A subscriber's recent events (its own and its user's) and pushes, newest first",
  tags,
  security: apiKeySecurity,
  request: {
    params: idParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
  },
  responses: {
    200: jsonResponse('Recent events and pushes', subscriberActivitySchema),
    ...problemResponses,
  },
});

export function subscriberRoutes({ store, clock }: AppDeps) {
  const app = createRouter();

  handle(app, listSubscribers, async (c, { query }) => {
    const workspaceId = c.get('workspace').id;
    const { limit, cursor, audienceId, ...filter } = query;
    if (audienceId && !(await store.audiences.get(workspaceId, audienceId)))
      throw notFound('Audience');
    const [inAudience] = audienceId
      ? await store.audiences.predicates(workspaceId, [audienceId], clock())
      : [];
    const page = await store.subscribers.list(
      workspaceId,
      { ...filter, inAudience },
      { limit, cursor },
    );
    return c.json({ data: page.data.map(subscriberJson), nextCursor: page.nextCursor });
  });

  handle(app, getSubscriber, async (c, { params }) => {
    const subscriber = await store.subscribers.get(c.get('workspace').id, params.id);
    if (!subscriber) throw notFound('Subscriber');
    return c.json(subscriberJson(subscriber));
  });

  handle(app, getActivity, async (c, { params, query }) => {
    const workspaceId = c.get('workspace').id;
    const subscriber = await store.subscribers.get(workspaceId, params.id);
    if (!subscriber) throw notFound('Subscriber');
    const subject = { workspaceId, subscriberId: subscriber.id, externalId: subscriber.externalId };
    const [events, pushes] = await Promise.all([
      store.activity.events(subject, query.limit),
      store.activity.pushes(subject, query.limit),
    ]);
    return c.json(subscriberActivityJson(events, pushes));
  });

  handle(app, deleteSubscriber, async (c, { params }) => {
    const subscriber = await store.subscribers.get(c.get('workspace').id, params.id);
    if (!subscriber) throw notFound('Subscriber');
    // Removed by the site owner through the API: its data is deleted, like an erase.
    await store.subscribers.deleteIds([subscriber.id], 'erased', clock());
    return c.body(null, 204);
  });

  return app;
}
