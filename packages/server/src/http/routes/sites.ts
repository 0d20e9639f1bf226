import { Hono } from 'hono';
import webpush from 'web-push';
import { completePrompt } from '../../domain/site-defaults.ts';
import { PREVIOUS_SECRET_GRACE_MS } from '../../domain/user-hash.ts';
import { DEFAULT_VAPID_SUBJECT } from '../../domain/vapid-subject.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { siteJson } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { siteCreateSchema, sitePatchSchema } from '../schemas.ts';
import { readJson } from '../validate.ts';

export { DEFAULT_VAPID_SUBJECT };

export function siteRoutes({ store, clock }: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const input = await readJson(c, siteCreateSchema);
    const keys = webpush.generateVAPIDKeys();
    const site = await store.sites.create(
      {
        workspaceId: c.get('workspace').id,
        name: input.name,
        origins: input.origins,
        categories: input.categories,
        prompt: completePrompt(input.prompt),
        capping: input.capping,
        vapidSubject: input.vapidSubject ?? DEFAULT_VAPID_SUBJECT,
        vapidPublicKey: keys.publicKey,
        vapidPrivateKey: keys.privateKey,
        identityVerification: input.identityVerification,
      },
      clock(),
    );
    // The only time, with rotation, that the identity secret leaves the server.
    return c.json({ ...siteJson(site), identitySecret: site.identitySecret }, 201);
  });

  app.get('/', async (c) => {
    const sites = await store.sites.list(c.get('workspace').id);
    return c.json({ data: sites.map(siteJson), nextCursor: null });
  });

  app.get('/:id', async (c) => {
    const site = await store.sites.get(c.get('workspace').id, c.req.param('id'));
    if (!site) throw notFound('Site');
    return c.json(siteJson(site));
  });

  app.patch('/:id', async (c) => {
    const workspaceId = c.get('workspace').id;
    const patch = await readJson(c, sitePatchSchema);
    const current = await store.sites.get(workspaceId, c.req.param('id'));
    if (!current) throw notFound('Site');
    const site = await store.sites.update(
      workspaceId,
      current.id,
      { ...patch, prompt: patch.prompt && completePrompt(patch.prompt, current.prompt) },
      clock(),
    );
    if (!site) throw notFound('Site');
    return c.json(siteJson(site));
  });

  /** A new identity secret; the previous one keeps verifying for 24 hours. */
  app.post('/:id/identity-secret', async (c) => {
    const identitySecret = await store.sites.rotateIdentitySecret(
      c.get('workspace').id,
      c.req.param('id'),
      PREVIOUS_SECRET_GRACE_MS,
      clock(),
    );
    if (!identitySecret) throw notFound('Site');
    return c.json({ identitySecret }, 201);
  });

  return app;
}
