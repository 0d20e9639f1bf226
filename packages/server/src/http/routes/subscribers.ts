import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../context.ts';
import { subscriberJson } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { pageQuerySchema } from '../schemas.ts';
import { readQuery } from '../validate.ts';

const listQuery = pageQuerySchema.extend({
  siteId: z.string().optional(),
  externalId: z.string().optional(),
  category: z.string().optional(),
  audienceId: z.string().optional(),
});

export function subscriberRoutes({ store, clock }: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const workspaceId = c.get('workspace').id;
    const { limit, cursor, audienceId, ...filter } = readQuery(c, listQuery);
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

  app.get('/:id', async (c) => {
    const subscriber = await store.subscribers.get(c.get('workspace').id, c.req.param('id'));
    if (!subscriber) throw notFound('Subscriber');
    return c.json(subscriberJson(subscriber));
  });

  app.delete('/:id', async (c) => {
    const subscriber = await store.subscribers.get(c.get('workspace').id, c.req.param('id'));
    if (!subscriber) throw notFound('Subscriber');
    // Removed by the site owner through the API: its data is deleted, like an erase.
    await store.subscribers.deleteIds([subscriber.id], 'erased', clock());
    return c.body(null, 204);
  });

  return app;
}
