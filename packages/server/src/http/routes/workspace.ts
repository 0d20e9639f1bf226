import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { SEGMENT_TRACK_EVENTS, type WebhookEventType } from '../../domain/webhook-events.ts';
import { targetProblem } from '../../events-out/safe-target.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import {
  apiKeySecurity,
  idParams,
  jsonBody,
  jsonResponse,
  problemResponses,
} from '../openapi-parts.ts';
import { iso, jobJson, jobSchema, siteJson, siteSchema } from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';

const days = z.number().int().min(1).max(36_500);
/** `PATCH /v1/organization`: what is given changes, the rest stays. */
export const organizationPatchSchema = z.strictObject({
  retention: z
    .strictObject({
      eventsDays: days.optional(),
      deliveriesDays: days.optional(),
      jobsDays: days.optional(),
    })
    .optional(),
  /** Receipts forwarded as Segment `track` calls; null stops forwarding. */
  segmentForward: z
    .strictObject({
      writeKey: z.string().min(1).max(512),
      endpoint: z.string().min(1).max(2048),
    })
    .nullable()
    .optional(),
});

/** The events a Segment forwarder takes: receipts (Delivered / Opened / Dismissed). */
const SEGMENT_EVENTS = Object.keys(SEGMENT_TRACK_EVENTS) as WebhookEventType[];

const count = z.number().int();
export const organizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    ingestion: z.object({ received: count, dropped: count, duplicates: count }),
    retention: z.object({ eventsDays: count, deliveriesDays: count, jobsDays: count }),
    /** Where receipts are forwarded; the write key is never shown again. */
    segmentForward: z
      .object({ endpoint: z.string(), enabled: z.boolean(), disabledReason: z.string().nullable() })
      .nullable(),
    sites: z.array(
      siteSchema.extend({
        features: z.object({
          categories: z.boolean(),
          capping: z.boolean(),
          prompt: siteSchema.shape.prompt.shape.trigger,
        }),
      }),
    ),
  })
  .meta({ id: 'Organization' });

const getOrganization = createRoute({
  method: 'get',
  path: '/organization',
  summary: 'The workspace: its settings, its sites and their features',
  tags: ['Workspace'],
  security: apiKeySecurity,
  responses: { 200: jsonResponse('The workspace', organizationSchema), ...problemResponses },
});

const updateOrganization = createRoute({
  method: 'patch',
  path: '/organization',
  summary:
    'Workspace settings: retention {eventsDays, deliveriesDays, jobsDays}, segmentForward {writeKey, endpoint}',
  tags: ['Workspace'],
  security: apiKeySecurity,
  request: { body: jsonBody(organizationPatchSchema) },
  responses: { 200: jsonResponse('The workspace', organizationSchema), ...problemResponses },
});

const getJob = createRoute({
  method: 'get',
  path: '/jobs/{id}',
  summary: 'A job: status and progress of asynchronous work (imports, fan-outs)',
  tags: ['Workspace'],
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 200: jsonResponse('The job', jobSchema), ...problemResponses },
});

/** `/v1/organization` and `/v1/jobs/{id}`: the workspace itself and its async work. */
export function workspaceRoutes({ store, clock, webhookOriginsAllow = [] }: AppDeps) {
  const app = createRouter();

  async function organizationJson(c: Context<AppEnv>): Promise<z.input<typeof organizationSchema>> {
    const workspace = c.get('workspace');
    const sites = await store.sites.list(workspace.id);
    const segment = await store.webhooks.segment(workspace.id);
    return {
      id: workspace.id,
      name: workspace.name,
      createdAt: iso(workspace.createdAt),
      ingestion: await store.events.ingestionCounts(workspace.id),
      retention: await store.workspaces.retention(workspace.id),
      segmentForward: segment
        ? {
            endpoint: segment.url,
            enabled: segment.enabled,
            disabledReason: segment.disabledReason,
          }
        : null,
      sites: sites.map((site) => ({
        ...siteJson(site),
        features: {
          categories: site.categories.length > 0,
          capping: Object.keys(site.capping).length > 0,
          prompt: site.prompt.trigger,
        },
      })),
    };
  }

  handle(app, getOrganization, async (c) => c.json(await organizationJson(c)));

  handle(app, updateOrganization, async (c, { body: patch }) => {
    const workspaceId = c.get('workspace').id;
    if (patch.retention) {
      const current = await store.workspaces.retention(workspaceId);
      await store.workspaces.setRetention(workspaceId, { ...current, ...patch.retention });
    }
    if (patch.segmentForward !== undefined) {
      const problem =
        patch.segmentForward && targetProblem(patch.segmentForward.endpoint, webhookOriginsAllow);
      if (problem) {
        throw new ProblemError(400, 'Invalid request', `segmentForward.endpoint ${problem}`, [
          { path: 'segmentForward.endpoint', message: problem },
        ]);
      }
      await store.webhooks.setSegment(workspaceId, patch.segmentForward, SEGMENT_EVENTS, clock());
    }
    return c.json(await organizationJson(c));
  });

  handle(app, getJob, async (c, { params }) => {
    const job = await store.jobs.get(c.get('workspace').id, params.id);
    if (!job) throw notFound('Job');
    return c.json(jobJson(job));
  });

  return app;
}
