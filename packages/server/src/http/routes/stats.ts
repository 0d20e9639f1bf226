import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { subscriberSeries, ENDING_REASONS } from '../../storage/subscriber-stats.ts';
import type { AppDeps } from '../context.ts';
import { apiKeySecurity, jsonResponse, problemResponses } from '../openapi-parts.ts';
import { iso } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { rangeQuery, seriesRange } from '../stats-range.ts';

const tags = ['Stats'];

const subscriberPoint = z.object({
  at: z.string().describe('Start of the UTC day'),
  subscribed: z.number().int(),
  unsubscribed: z.number().int().describe('Every ending of the day, whatever its reason'),
  total: z.number().int().describe('Subscribers at the end of the day'),
  endings: z.object(Object.fromEntries(ENDING_REASONS.map((r) => [r, z.number().int()]))),
});

const subscriberStats = createRoute({
  method: 'get',
  path: '/subscribers',
  summary: 'Subscribers over time per UTC day, per site and category, with endings by reason',
  tags,
  security: apiKeySecurity,
  request: {
    query: z.object({
      interval: z.literal('day').default('day'),
      ...rangeQuery,
      siteId: z.string().min(1).max(256).optional(),
      category: z.string().min(1).max(100).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      'The series',
      z.object({ total: z.number().int(), series: z.array(subscriberPoint) }),
    ),
    ...problemResponses,
  },
});

/** `/v1/stats/...`: aggregates for the dashboard, read from daily roll-ups. */
export function statsRoutes({ store, clock }: AppDeps) {
  const app = createRouter();

  handle(app, subscriberStats, async (c, { query }) => {
    const workspaceId = c.get('workspace').id;
    if (query.siteId && !(await store.sites.get(workspaceId, query.siteId))) {
      throw notFound('Site');
    }
    const range = seriesRange('day', query, clock());
    const { total, series } = await subscriberSeries(store.db.kysely, {
      workspaceId,
      siteId: query.siteId,
      category: query.category,
      ...range,
    });
    return c.json({ total, series: series.map((p) => ({ ...p, at: iso(p.at) })) }, 200);
  });

  return app;
}
