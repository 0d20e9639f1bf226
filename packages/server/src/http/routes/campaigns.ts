import { randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  emptyCounts,
  type CampaignMessage,
  type EvergreenAudience,
} from '../../storage/campaigns.ts';
import type { AppDeps } from '../context.ts';
import {
  apiKeySecurity,
  idParams,
  jsonBody,
  jsonResponse,
  pageOf,
  problemResponses,
} from '../openapi-parts.ts';
import {
  campaignJson,
  campaignSchema,
  campaignStatsSchema,
  iso,
  statCountsSchema,
} from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import { intervalSchema, rangeQuery, seriesRange } from '../stats-range.ts';
import {
  campaignCreateSchema,
  campaignPatchSchema,
  messageSchema,
  pageQuerySchema,
} from '../schemas.ts';

const tags = ['Campaigns'];

const createCampaign = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a campaign (a message without an id gets one)',
  tags,
  security: apiKeySecurity,
  request: { body: jsonBody(campaignCreateSchema) },
  responses: { 201: jsonResponse('The new campaign', campaignSchema), ...problemResponses },
});

const listCampaigns = createRoute({
  method: 'get',
  path: '/',
  summary: 'List campaigns',
  tags,
  security: apiKeySecurity,
  request: { query: pageQuerySchema },
  responses: {
    200: jsonResponse('One page of campaigns', pageOf(campaignSchema)),
    ...problemResponses,
  },
});

const getCampaign = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A campaign',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 200: jsonResponse('The campaign', campaignSchema), ...problemResponses },
});

const updateCampaign = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: 'Update a campaign (what is given changes)',
  tags,
  security: apiKeySecurity,
  request: { params: idParams, body: jsonBody(campaignPatchSchema) },
  responses: { 200: jsonResponse('The updated campaign', campaignSchema), ...problemResponses },
});

/** `?interval=hour|day&from=&to=&messageId=` adds `series` (API.md "Dashboard and accounts"). */
const statsQuerySchema = z.object({
  interval: intervalSchema.optional(),
  ...rangeQuery,
  messageId: z.string().min(1).max(256).optional(),
});

const seriesPointSchema = statCountsSchema.extend({ at: z.iso.datetime() });

const campaignStats = createRoute({
  method: 'get',
  path: '/{id}/stats',
  summary: "A campaign's counts, in total and per message; with `interval`, also over time",
  tags,
  security: apiKeySecurity,
  request: { params: idParams, query: statsQuerySchema },
  responses: {
    200: jsonResponse(
      'The counts',
      campaignStatsSchema.extend({
        interval: intervalSchema.optional(),
        messageId: z.string().optional(),
        from: z.iso.datetime().optional(),
        to: z.iso.datetime().optional(),
        series: z.array(seriesPointSchema).optional(),
      }),
    ),
    ...problemResponses,
  },
});

/** A message without an id gets one (API.md), so stats can be kept per message. */
function withIds(messages: z.output<typeof messageSchema>[]): CampaignMessage[] {
  return messages.map((m) => ({ ...m, id: m.id ?? `msg_${randomUUID().slice(0, 8)}` }));
}

/** Checks an evergreen attachment: the audience is the workspace's, the message the campaign's. */
async function evergreenOf(
  deps: AppDeps,
  workspaceId: string,
  input: { audienceId: string; messageId?: string | undefined } | null | undefined,
  messages: CampaignMessage[],
): Promise<EvergreenAudience | null> {
  if (!input) return null;
  if (!(await deps.store.audiences.get(workspaceId, input.audienceId))) {
    throw new ProblemError(
      400,
      'Invalid request',
      'evergreen.audienceId is not an audience of this workspace',
      [{ path: 'evergreen.audienceId', message: 'no such audience' }],
    );
  }
  const messageId = input.messageId ?? messages[0]?.id;
  if (!messageId || !messages.some((m) => m.id === messageId)) {
    throw new ProblemError(
      400,
      'Invalid request',
      'evergreen.messageId is not a message of this campaign',
      [{ path: 'evergreen.messageId', message: 'no such message' }],
    );
  }
  return { audienceId: input.audienceId, messageId };
}

export function campaignRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const app = createRouter();

  handle(app, createCampaign, async (c, { body: input }) => {
    const workspaceId = c.get('workspace').id;
    const messages = withIds(input.messages);
    const audience = await evergreenOf(deps, workspaceId, input.evergreen, messages);
    const campaign = await store.campaigns.create(
      { workspaceId, name: input.name, messages, capping: input.capping ?? null, audience },
      clock(),
    );
    if (audience) await deps.evergreen?.baseline(campaign);
    return c.json(campaignJson(campaign), 201);
  });

  handle(app, listCampaigns, async (c, { query }) => {
    const page = await store.campaigns.list(c.get('workspace').id, query);
    return c.json({ data: page.data.map(campaignJson), nextCursor: page.nextCursor });
  });

  handle(app, getCampaign, async (c, { params }) => {
    const campaign = await store.campaigns.get(c.get('workspace').id, params.id);
    if (!campaign) throw notFound('Campaign');
    return c.json(campaignJson(campaign));
  });

  handle(app, updateCampaign, async (c, { params, body: patch }) => {
    const workspaceId = c.get('workspace').id;
    const current = await store.campaigns.get(workspaceId, params.id);
    if (!current) throw notFound('Campaign');
    const messages = patch.messages && withIds(patch.messages);
    const audience =
      patch.evergreen === undefined
        ? undefined
        : await evergreenOf(deps, workspaceId, patch.evergreen, messages ?? current.messages);
    const campaign = await store.campaigns.update(
      workspaceId,
      current.id,
      { name: patch.name, capping: patch.capping, messages, audience },
      clock(),
    );
    if (!campaign) throw notFound('Campaign');
    const attached = audience && audience.audienceId !== current.audience?.audienceId;
    if (attached) await deps.evergreen?.baseline(campaign);
    return c.json(campaignJson(campaign));
  });

  handle(app, campaignStats, async (c, { params, query }) => {
    const campaign = await store.campaigns.get(c.get('workspace').id, params.id);
    if (!campaign) throw notFound('Campaign');
    if (query.messageId && !campaign.messages.some((m) => m.id === query.messageId)) {
      throw notFound('Message');
    }
    const stats = await store.campaigns.stats(campaign.id);
    const total = emptyCounts();
    const messages = campaign.messages.map((m) => {
      const counts = stats.get(m.id) ?? emptyCounts();
      for (const [name, value] of Object.entries(counts))
        total[name as keyof typeof total] += value;
      return { messageId: m.id, ...counts };
    });
    if (!query.interval) return c.json({ campaignId: campaign.id, ...total, messages });
    // Over time: from the hourly roll-up, never the deliveries (storage/campaign-series.ts).
    const range = seriesRange(query.interval, query, clock());
    const series = await store.campaigns.series({
      campaignId: campaign.id,
      messageId: query.messageId,
      interval: query.interval,
      ...range,
    });
    return c.json({
      campaignId: campaign.id,
      ...total,
      messages,
      interval: query.interval,
      ...(query.messageId && { messageId: query.messageId }),
      from: iso(range.from),
      to: iso(range.to),
      series: series.map((p) => ({ ...p, at: iso(p.at) })),
    });
  });

  return app;
}
