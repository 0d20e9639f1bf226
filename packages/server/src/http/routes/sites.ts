import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { completePrompt } from '../../domain/site-defaults.ts';
import { createSite as createSiteFor } from '../../sites/create-site.ts';
import { PREVIOUS_SECRET_GRACE_MS } from '../../domain/user-hash.ts';
import type { AppDeps } from '../context.ts';
import { replayIdempotent } from '../idempotent.ts';
import {
  apiKeySecurity,
  idempotencyHeaders,
  idParams,
  jsonBody,
  jsonResponse,
  problemResponses,
} from '../openapi-parts.ts';
import { siteJson, siteSchema } from '../presenters.ts';
import { parseJsonSafely } from '../json-guard.ts';
import { notFound, ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { siteCreateSchema, sitePatchSchema } from '../schemas.ts';
import { readBodyText } from '../validate.ts';
import {
  parseImportFile,
  SUBSCRIPTION_IMPORT_JOB,
  type ImportJobPayload,
} from '../../sites/import-subscriptions.ts';

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

const importRecord = z.object({
  endpoint: z.string(),
  keys: z.object({ p256dh: z.string(), auth: z.string() }),
  externalId: z.string().optional(),
  categories: z.array(z.string()).optional(),
  createdAt: z.string().optional().describe('ISO-8601'),
  timezone: z.string().optional(),
  language: z.string().optional(),
});

const importSubscriptions = createRoute({
  method: 'post',
  path: '/{id}/subscriptions/import',
  summary: 'Import subscriptions from another push vendor (a job; up to 64 MB)',
  description:
    'NDJSON (one record per line) or a JSON array. Each record is checked like a browser ' +
    'subscription; repeated endpoints are merged. The job result counts imported, updated, ' +
    'invalid and merged records, with the first errors by line. `Idempotency-Key` honoured.',
  tags,
  security: apiKeySecurity,
  request: {
    params: idParams,
    headers: idempotencyHeaders,
    body: {
      required: true,
      content: {
        'application/x-ndjson': { schema: z.string() },
        'application/json': { schema: z.array(importRecord) },
      },
    },
  },
  responses: {
    202: jsonResponse('The import job', z.object({ jobId: z.string() })),
    ...problemResponses,
  },
});

/** An import file of 100k subscriptions is ~30 MB of JSON. */
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

export function siteRoutes(deps: AppDeps) {
  const { store, clock, wake } = deps;
  const app = createRouter();

  handle(app, createSite, async (c, { body: input }) => {
    const site = await createSiteFor(
      store,
      { ...input, workspaceId: c.get('workspace').id },
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

  handle(
    app,
    importSubscriptions,
    async (c, { params }) => {
      const workspaceId = c.get('workspace').id;
      const site = await store.sites.get(workspaceId, params.id);
      if (!site) throw notFound('Site');
      const text = await readBodyText(c, IMPORT_BODY_LIMIT);
      let file: Pick<ImportJobPayload, 'records' | 'merged'>;
      try {
        file = parseImportFile(text, (json) => parseJsonSafely(json));
      } catch (error) {
        if (error instanceof ProblemError) throw error;
        throw new ProblemError(
          400,
          'Invalid request',
          'The body is neither a JSON array nor NDJSON',
        );
      }
      if (file.records.length === 0) {
        throw new ProblemError(400, 'Invalid request', 'The file holds no subscriptions');
      }
      const now = clock();
      const payload: ImportJobPayload = { siteId: site.id, ...file };
      const accepted = await store.idempotency.once(
        workspaceId,
        c.req.header('idempotency-key'),
        now,
        async (trx) => ({
          jobId: await store.jobs.enqueue(
            { workspaceId, kind: SUBSCRIPTION_IMPORT_JOB, payload, runAt: now },
            now,
            trx,
          ),
        }),
      );
      wake();
      return c.json(accepted, 202);
    },
    { rawBody: true, before: [replayIdempotent(deps)] },
  );

  return app;
}
