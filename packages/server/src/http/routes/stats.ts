import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { workspaceSeries } from '../../storage/campaign-series.ts';
import { emptyCounts, STAT_NAMES } from '../../storage/campaigns.ts';
import { subscriberSeries, ENDING_REASONS } from '../../storage/subscriber-stats.ts';
import type { AppDeps } from '../context.ts';
import { apiKeySecurity, jsonResponse, problemResponses } from '../openapi-parts.ts';
import { iso } from '../presenters.ts';
import { notFound } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { intervalSchema, rangeQuery, seriesRange } from '../stats-range.ts';

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

const countsShape = {
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  capped: z.number().int(),
  shown: z.number().int(),
  clicked: z.number().int(),
  closed: z.number().int(),
};

/** Campaigns listed as the best by click-through rate (clicked / delivered). */
const TOP_CAMPAIGNS = 10;

const pushStats = createRoute({
  method: 'get',
  path: '/pushes',
  summary:
    "The workspace's pushes over time (every campaign) and its top campaigns by click-through rate",
  tags,
  security: apiKeySecurity,
  request: { query: z.object({ interval: intervalSchema.default('day'), ...rangeQuery }) },
  responses: {
    200: jsonResponse(
      'The series and the top campaigns of the range',
      z.object({
        ...countsShape,
        series: z.array(z.object({ at: z.string(), ...countsShape })),
        topCampaigns: z.array(
          z.object({
            campaignId: z.string(),
            name: z.string(),
            ...countsShape,
            ctr: z.number().describe('clicked / delivered'),
          }),
        ),
      }),
    ),
    ...problemResponses,
  },
});

/** `/v1/stats/...`: aggregates for the dashboard, read from roll-ups. */
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

  handle(app, pushStats, async (c, { query }) => {
    const workspaceId = c.get('workspace').id;
    const range = seriesRange(query.interval, query, clock());
    const { series, campaigns } = await workspaceSeries(store.db.kysely, {
      workspaceId,
      interval: query.interval,
      ...range,
    });
    const total = emptyCounts();
    for (const one of campaigns) for (const n of STAT_NAMES) total[n] += one[n];
    const ranked = campaigns
      .filter((one) => one.delivered > 0)
      .map((one) => ({ ...one, ctr: one.clicked / one.delivered }))
      .sort((a, b) => b.ctr - a.ctr || b.delivered - a.delivered)
      .slice(0, TOP_CAMPAIGNS);
    const names = await store.campaigns.names(
      workspaceId,
      ranked.map((one) => one.campaignId),
    );
    return c.json(
      {
        ...total,
        series: series.map((p) => ({ ...p, at: iso(p.at) })),
        topCampaigns: ranked.map((one) => ({ ...one, name: names.get(one.campaignId) ?? '' })),
      },
      200,
    );
  });

  return app;
}
