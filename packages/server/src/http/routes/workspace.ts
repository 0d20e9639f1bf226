import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { SEGMENT_TRACK_EVENTS, type WebhookEventType } from '../../domain/webhook-events.ts';
import { targetProblem } from '../../events-out/safe-target.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { iso, jobJson, siteJson } from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import { readJson } from '../validate.ts';

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

/** `/v1/organization` and `/v1/jobs/{id}`: the workspace itself and its async work. */
export function workspaceRoutes({ store, clock, webhookOriginsAllow = [] }: AppDeps) {
  const app = new Hono<AppEnv>();

  async function organizationJson(c: Context<AppEnv>) {
    const workspace = c.get('workspace');
    const sites = await store.sites.list(workspace.id);
    const segment = await store.webhooks.segment(workspace.id);
    return {
      id: workspace.id,
      name: workspace.name,
      createdAt: iso(workspace.createdAt),
      ingestion: await store.events.ingestionCounts(workspace.id),
      retention: await store.workspaces.retention(workspace.id),
      // The write key is never shown again.
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

  app.get('/organization', async (c) => c.json(await organizationJson(c)));

  app.patch('/organization', async (c) => {
    const workspaceId = c.get('workspace').id;
    const patch = await readJson(c, organizationPatchSchema);
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

  app.get('/jobs/:id', async (c) => {
    const job = await store.jobs.get(c.get('workspace').id, c.req.param('id'));
    if (!job) throw notFound('Job');
    return c.json(jobJson(job));
  });

  return app;
}
