import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import {
  emptyCounts,
  type CampaignMessage,
  type EvergreenAudience,
} from '../../storage/campaigns.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { campaignSeries } from '../../storage/campaign-series.ts';
import { campaignJson, iso } from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import {
  campaignCreateSchema,
  campaignPatchSchema,
  messageSchema,
  pageQuerySchema,
} from '../schemas.ts';
import { intervalSchema, rangeQuery, seriesRange } from '../stats-range.ts';
import { readJson, readQuery } from '../validate.ts';

/** `?interval=hour|day&from=&to=&messageId=` adds `series` (API.md "Dashboard and accounts"). */
const statsQuerySchema = z.object({
  interval: intervalSchema.optional(),
  ...rangeQuery,
  messageId: z.string().min(1).max(256).optional(),
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
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const workspaceId = c.get('workspace').id;
    const input = await readJson(c, campaignCreateSchema);
    const messages = withIds(input.messages);
    const audience = await evergreenOf(deps, workspaceId, input.evergreen, messages);
    const campaign = await store.campaigns.create(
      { workspaceId, name: input.name, messages, capping: input.capping ?? null, audience },
      clock(),
    );
    if (audience) await deps.evergreen?.baseline(campaign);
    return c.json(campaignJson(campaign), 201);
  });

  app.get('/', async (c) => {
    const page = await store.campaigns.list(c.get('workspace').id, readQuery(c, pageQuerySchema));
    return c.json({ data: page.data.map(campaignJson), nextCursor: page.nextCursor });
  });

  app.get('/:id', async (c) => {
    const campaign = await store.campaigns.get(c.get('workspace').id, c.req.param('id'));
    if (!campaign) throw notFound('Campaign');
    return c.json(campaignJson(campaign));
  });

  app.patch('/:id', async (c) => {
    const workspaceId = c.get('workspace').id;
    const patch = await readJson(c, campaignPatchSchema);
    const current = await store.campaigns.get(workspaceId, c.req.param('id'));
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

  app.get('/:id/stats', async (c) => {
    const query = readQuery(c, statsQuerySchema);
    const campaign = await store.campaigns.get(c.get('workspace').id, c.req.param('id'));
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
    // Over time: from the hourly roll-up, never the deliveries (campaign-series.ts).
    const range = seriesRange(query.interval, query, clock());
    const series = await campaignSeries(store.db.kysely, {
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
