import { Hono } from 'hono';
import { z } from 'zod';
import { eraseUser } from '../../storage/erase.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { iso, subscriberJson } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { readJson } from '../validate.ts';

const externalIdParam = z.string().min(1).max(256);
/** `{ traits: {...} }`, or the traits object itself. */
export const putUserSchema = z
  .record(z.string(), z.unknown())
  .transform((body) =>
    Object.keys(body).length === 1 &&
    typeof body.traits === 'object' &&
    body.traits !== null &&
    !Array.isArray(body.traits)
      ? (body.traits as Record<string, unknown>)
      : body,
  );

/** `/v1/users/{externalId}`: a user's traits, everything about them, and GDPR erasure. */
export function userRoutes({ store, clock, log }: AppDeps) {
  const app = new Hono<AppEnv>();

  app.put('/:externalId', async (c) => {
    const externalId = externalIdParam.parse(c.req.param('externalId'));
    const traits = await readJson(c, putUserSchema);
    const user = await store.users.replace(c.get('workspace').id, externalId, traits, clock());
    return c.json({
      externalId,
      traits: user.traits,
      createdAt: iso(user.createdAt),
      updatedAt: iso(user.updatedAt),
    });
  });

  app.get('/:externalId', async (c) => {
    const workspaceId = c.get('workspace').id;
    const externalId = c.req.param('externalId');
    const user = await store.users.get(workspaceId, externalId);
    const subscribers = await store.subscribers.list(workspaceId, { externalId }, { limit: 500 });
    if (!user && subscribers.data.length === 0) throw notFound('User');

    const manual = new Set(await store.audiences.manualOfUser(workspaceId, externalId));
    const audiences = [];
    for (let cursor: string | undefined; ;) {
      const page = await store.audiences.list(workspaceId, { limit: 200, cursor });
      for (const audience of page.data) {
        let member = manual.has(audience.id);
        if (!member && audience.rule !== null) {
          try {
            member = await store.audiences.hasUser(audience, externalId, clock());
          } catch (error) {
            // One audience whose stored rule cannot run (saved before rules were checked)
            // is left out; it must not hide the user and every other audience.
            log(`audience ${audience.id} skipped for a user: ${(error as Error).message}`);
          }
        }
        if (member)
          audiences.push({
            id: audience.id,
            name: audience.name,
            type: audience.rule === null ? 'manual' : 'rule',
          });
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return c.json({
      externalId,
      traits: user?.traits ?? {},
      createdAt: iso(user?.createdAt),
      updatedAt: iso(user?.updatedAt),
      subscribers: subscribers.data.map(subscriberJson),
      audiences,
    });
  });

  app.delete('/:externalId', async (c) => {
    const erased = await eraseUser(
      store.db.kysely,
      c.get('workspace').id,
      c.req.param('externalId'),
      clock(),
    );
    if (!erased) throw notFound('User');
    return c.body(null, 204);
  });

  return app;
}
