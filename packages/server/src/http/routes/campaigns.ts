import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { z } from 'zod';
import { emptyCounts, type CampaignMessage } from '../../storage/campaigns.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { campaignJson } from '../presenters.ts';
import { notFound } from '../problem.ts';
import {
  campaignCreateSchema,
  campaignPatchSchema,
  messageSchema,
  pageQuerySchema,
} from '../schemas.ts';
import { readJson, readQuery } from '../validate.ts';

/** A message without an id gets one (API.md), so stats can be kept per message. */
function withIds(messages: z.output<typeof messageSchema>[]): CampaignMessage[] {
  return messages.map((m) => ({ ...m, id: m.id ?? `msg_${randomUUID().slice(0, 8)}` }));
}

export function campaignRoutes({ store, clock }: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const input = await readJson(c, campaignCreateSchema);
    const campaign = await store.campaigns.create(
      {
        workspaceId: c.get('workspace').id,
        name: input.name,
        messages: withIds(input.messages),
        capping: input.capping ?? null,
      },
      clock(),
    );
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
    const campaign = await store.campaigns.update(
      workspaceId,
      current.id,
      { ...patch, messages: patch.messages && withIds(patch.messages) },
      clock(),
    );
    if (!campaign) throw notFound('Campaign');
    return c.json(campaignJson(campaign));
  });

  app.get('/:id/stats', async (c) => {
    const campaign = await store.campaigns.get(c.get('workspace').id, c.req.param('id'));
    if (!campaign) throw notFound('Campaign');
    const stats = await store.campaigns.stats(campaign.id);
    const total = emptyCounts();
    const messages = campaign.messages.map((m) => {
      const counts = stats.get(m.id) ?? emptyCounts();
      for (const [name, value] of Object.entries(counts))
        total[name as keyof typeof total] += value;
      return { messageId: m.id, ...counts };
    });
    return c.json({ campaignId: campaign.id, ...total, messages });
  });

  return app;
}
