import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhook-events.ts';
import { targetProblem } from '../../events-out/safe-target.ts';
import type { Webhook, WebhookMessage } from '../../storage/webhooks.ts';
import type { AppDeps } from '../context.ts';
import {
  apiKeySecurity,
  idParams,
  jsonBody,
  jsonResponse,
  problemResponses,
} from '../openapi-parts.ts';
import { iso } from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';

const tags = ['Webhooks'];
/** A workspace's webhooks, at most (each one multiplies every event's outbox rows). */
const MAX_WEBHOOKS = 20;

const eventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);
const url = z.string().min(1).max(2048);

const webhookCreateSchema = z.strictObject({
  url,
  events: eventTypes,
  enabled: z.boolean().default(true),
});
const webhookPatchSchema = z.strictObject({
  url: url.optional(),
  events: eventTypes.optional(),
  enabled: z.boolean().optional(),
});

const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe('Why Beckon turned it off, if it did'),
    failingSince: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Webhook' });

const attemptSchema = z.object({
  id: z.string().describe('The `webhook-id` header of every attempt'),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  status: z.enum(['pending', 'sent']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable().describe('HTTP status of the last attempt; 0: no answer'),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  createdAt: z.string(),
});

export const webhookJson = (w: Webhook) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  enabled: w.enabled,
  disabledReason: w.disabledReason,
  failingSince: iso(w.failingSince),
  createdAt: iso(w.createdAt),
  updatedAt: iso(w.updatedAt),
});

const attemptJson = (m: WebhookMessage) => ({
  id: m.id,
  type: m.type,
  status: m.status,
  attempts: Number(m.attempts),
  lastStatus: m.last_status,
  lastError: m.last_error,
  lastAttemptAt: iso(m.last_attempt_at),
  createdAt: iso(m.created_at),
});

const createWebhook = createRoute({
  method: 'post',
  path: '/',
  summary: 'Subscribe a URL to events (Standard Webhooks; the secret is shown once)',
  tags,
  security: apiKeySecurity,
  request: { body: jsonBody(webhookCreateSchema) },
  responses: {
    201: jsonResponse(
      'The new webhook',
      webhookSchema.extend({ secret: z.string().describe('`whsec_…`; shown only here') }),
    ),
    ...problemResponses,
  },
});

const listWebhooks = createRoute({
  method: 'get',
  path: '/',
  summary: "The workspace's webhooks",
  tags,
  security: apiKeySecurity,
  responses: {
    200: jsonResponse(
      'Every webhook (one page)',
      z.object({ data: z.array(webhookSchema), nextCursor: z.null() }),
    ),
    ...problemResponses,
  },
});

const getWebhook = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A webhook',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 200: jsonResponse('The webhook', webhookSchema), ...problemResponses },
});

const updateWebhook = createRoute({
  method: 'patch',
  path: '/{id}',
  summary: 'Change a webhook; `enabled: true` also clears a failure notice',
  tags,
  security: apiKeySecurity,
  request: { params: idParams, body: jsonBody(webhookPatchSchema) },
  responses: { 200: jsonResponse('The updated webhook', webhookSchema), ...problemResponses },
});

const deleteWebhook = createRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a webhook and what it had not sent yet',
  tags,
  security: apiKeySecurity,
  request: { params: idParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses },
});

const listDeliveries = createRoute({
  method: 'get',
  path: '/{id}/deliveries',
  summary: "A webhook's messages, newest first, with their attempts (sent ones are kept 7 days)",
  tags,
  security: apiKeySecurity,
  request: {
    params: idParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z
        .string()
        .regex(/^\d{1,15}$/)
        .optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      'A page of messages',
      z.object({ data: z.array(attemptSchema), nextCursor: z.string().nullable() }),
    ),
    ...problemResponses,
  },
});

/** `/v1/webhooks` (API.md "Events out"). */
export function webhookRoutes({ store, clock, webhookOriginsAllow = [] }: AppDeps) {
  const app = createRouter();

  function checkUrl(value: string) {
    const problem = targetProblem(value, webhookOriginsAllow);
    if (problem) {
      throw new ProblemError(400, 'Invalid request', `url ${problem}`, [
        { path: 'url', message: problem },
      ]);
    }
  }

  handle(app, createWebhook, async (c, { body }) => {
    checkUrl(body.url);
    const workspaceId = c.get('workspace').id;
    if ((await store.webhooks.list(workspaceId)).length >= MAX_WEBHOOKS) {
      throw new ProblemError(409, 'Conflict', `A workspace has at most ${MAX_WEBHOOKS} webhooks`);
    }
    const { webhook, secret } = await store.webhooks.create(
      workspaceId,
      { ...body, events: [...new Set(body.events)] },
      clock(),
    );
    return c.json({ ...webhookJson(webhook), secret }, 201);
  });

  handle(app, listWebhooks, async (c) => {
    const webhooks = await store.webhooks.list(c.get('workspace').id);
    return c.json({ data: webhooks.map(webhookJson), nextCursor: null });
  });

  handle(app, getWebhook, async (c, { params }) => {
    const webhook = await store.webhooks.get(c.get('workspace').id, params.id);
    if (!webhook) throw notFound('Webhook');
    return c.json(webhookJson(webhook));
  });

  handle(app, updateWebhook, async (c, { params, body }) => {
    if (body.url !== undefined) checkUrl(body.url);
    const webhook = await store.webhooks.update(
      c.get('workspace').id,
      params.id,
      { ...body, events: body.events && [...new Set(body.events)] },
      clock(),
    );
    if (!webhook) throw notFound('Webhook');
    return c.json(webhookJson(webhook));
  });

  handle(app, deleteWebhook, async (c, { params }) => {
    if (!(await store.webhooks.delete(c.get('workspace').id, params.id))) {
      throw notFound('Webhook');
    }
    return c.body(null, 204);
  });

  handle(app, listDeliveries, async (c, { params, query }) => {
    const webhook = await store.webhooks.get(c.get('workspace').id, params.id);
    if (!webhook) throw notFound('Webhook');
    const rows = await store.webhooks.messages(webhook.id, {
      limit: query.limit + 1,
      before: query.cursor === undefined ? undefined : Number(query.cursor),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json({
      data: page.map(attemptJson),
      nextCursor: rows.length > query.limit && last ? String(last.seq) : null,
    });
  });

  return app;
}
