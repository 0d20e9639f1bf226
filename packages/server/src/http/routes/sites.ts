import { createRoute } from '@hono/zod-openapi';
import webpush from 'web-push';
import { z } from 'zod';
import { completePrompt } from '../../domain/site-defaults.ts';
import { PREVIOUS_SECRET_GRACE_MS } from '../../domain/user-hash.ts';
import { DEFAULT_VAPID_SUBJECT } from '../../domain/vapid-subject.ts';
import type { AppDeps } from '../context.ts';
import {
  apiKeySecurity,
  idParams,
  jsonBody,
  jsonResponse,
  problemResponses,
} from '../openapi-parts.ts';
import { siteJson, siteSchema } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { siteCreateSchema, sitePatchSchema } from '../schemas.ts';

export { DEFAULT_VAPID_SUBJECT };

const identitySecret = z.string().describe('Signs `userHash`; shown only here');
const tags = ['Sites'];

const createSite = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a site (VAPID keys generated; identity secret shown once)',
  tags,
  security: apiKeySecurity,
  request: { body: jsonBody(siteCreateSchema) },
  responses: {
    201: jsonResponse(
      'The new site',
      siteSchema.extend({
        identitySecret: identitySecret
          .optional()
          .describe('Signs `userHash`; shown only here, and only to an owner or an API key'),
      }),
    ),
    ...problemResponses,
  },
});

const listSites = createRoute({
  method: 'get',
  path: '/',
  summary: "The workspace's sites",
  tags,
  security: apiKeySecurity,
  responses: {
    200: jsonResponse(
      'Every site (one page)',
      z.object({ data: z.array(siteSchema), nextCursor: z.null() }),
    ),
    ...problemResponses,
  },
});

const getSite = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A site',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 200: jsonResponse('The site', siteSchema), ...problemResponses },
});

const updateSite = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: 'Update a site',
  tags,
  security: apiKeySecurity,
  request: { params: idParams, body: jsonBody(sitePatchSchema) },
  responses: { 200: jsonResponse('The updated site', siteSchema), ...problemResponses },
});

const rotateIdentitySecret = createRoute({
  method: 'post',
  path: '/{id}/identity-secret',
  summary: 'A new identity secret; the previous one keeps verifying for 24 hours',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: {
    201: jsonResponse('The new secret', z.object({ identitySecret })),
    ...problemResponses,
  },
});

export function siteRoutes({ store, clock }: AppDeps) {
  const app = createRouter();

  handle(app, createSite, async (c, { body: input }) => {
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
    // The only time, with rotation, that the identity secret leaves the server: secrets are
    // an owner's (API.md "Dashboard and accounts"), so a marketer's new site comes without it.
    if (c.get('principal').role !== 'owner') return c.json(siteJson(site), 201);
    return c.json({ ...siteJson(site), identitySecret: site.identitySecret }, 201);
  });

  handle(app, listSites, async (c) => {
    const sites = await store.sites.list(c.get('workspace').id);
    return c.json({ data: sites.map(siteJson), nextCursor: null });
  });

  handle(app, getSite, async (c, { params }) => {
    const site = await store.sites.get(c.get('workspace').id, params.id);
    if (!site) throw notFound('Site');
    return c.json(siteJson(site));
  });

  handle(app, updateSite, async (c, { params, body: patch }) => {
    const workspaceId = c.get('workspace').id;
    const current = await store.sites.get(workspaceId, params.id);
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

  handle(app, rotateIdentitySecret, async (c, { params }) => {
    const secret = await store.sites.rotateIdentitySecret(
      c.get('workspace').id,
      params.id,
      PREVIOUS_SECRET_GRACE_MS,
      clock(),
    );
    if (!secret) throw notFound('Site');
    return c.json({ identitySecret: secret }, 201);
  });

  return app;
}
