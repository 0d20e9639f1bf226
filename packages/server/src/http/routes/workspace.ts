import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../context.ts';
import { iso, jobJson, siteJson } from '../presenters.ts';
import { notFound } from '../problem.ts';

/** `/v1/organization` and `/v1/jobs/{id}`: the workspace itself and its async work. */
export function workspaceRoutes({ store }: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/organization', async (c) => {
    const workspace = c.get('workspace');
    const sites = await store.sites.list(workspace.id);
    return c.json({
      id: workspace.id,
      name: workspace.name,
      createdAt: iso(workspace.createdAt),
      ingestion: await store.events.ingestionCounts(workspace.id),
      sites: sites.map((site) => ({
        ...siteJson(site),
        features: {
          categories: site.categories.length > 0,
          capping: Object.keys(site.capping).length > 0,
          prompt: site.prompt.trigger,
        },
      })),
    });
  });

  app.get('/jobs/:id', async (c) => {
    const job = await store.jobs.get(c.get('workspace').id, c.req.param('id'));
    if (!job) throw notFound('Job');
    return c.json(jobJson(job));
  });

  return app;
}
