import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { isAllowedPushEndpoint } from '../../domain/push-endpoints.ts';
import { clampReceiptAt } from '../../domain/receipt-time.ts';
import { verifyUserHash } from '../../domain/user-hash.ts';
import type { RouteDeps } from '../context.ts';
import { parseJsonSafely, textProblem } from '../json-guard.ts';
import {
  beaconBody,
  jsonBody,
  jsonResponse,
  noContent,
  problemResponses,
} from '../openapi-parts.ts';
import { siteConfigSchema } from '../presenters.ts';
import { notFound, ProblemError } from '../problem.ts';
import { createRouter, handle } from '../route.ts';
import {
  pixelBatchSchema,
  pixelEventSchema,
  receiptSchema,
  subscribeSchema,
  unsubscribeSchema,
} from '../schemas.ts';
import { siteGate } from '../site-gate.ts';
import { parseWith } from '../validate.ts';
import { recordPixelEvents } from './pixel-events.ts';

const tags = ['Public (browser)'];
const siteKeyParams = z.object({
  siteKey: z.string().describe("The site's public key, as in the script tag"),
});

const getConfig = createRoute({
  method: 'get',
  path: '/{siteKey}/config',
  summary: 'What the snippet needs: the VAPID public key, the prompt and the categories',
  tags,
  request: { params: siteKeyParams },
  responses: {
    200: jsonResponse("The site's public settings", siteConfigSchema),
    ...problemResponses,
  },
});

export const subscribedSchema = z.object({ subscriberId: z.string() });
const subscribe = createRoute({
  method: 'post',
  path: '/{siteKey}/subscriptions',
  summary: 'Subscribe a browser (the same endpoint again → 200, updated)',
  tags,
  request: { params: siteKeyParams, body: jsonBody(subscribeSchema) },
  responses: {
    201: jsonResponse('A new subscriber', subscribedSchema),
    200: jsonResponse('The subscriber of this endpoint, updated', subscribedSchema),
    ...problemResponses,
  },
});

const unsubscribe = createRoute({
  method: 'delete',
  path: '/{siteKey}/subscriptions',
  summary: 'Unsubscribe a browser by its endpoint',
  tags,
  request: { params: siteKeyParams, body: jsonBody(unsubscribeSchema) },
  responses: { 204: noContent('Unsubscribed'), ...problemResponses },
});

const postEvents = createRoute({
  method: 'post',
  path: '/{siteKey}/events',
  summary: 'The pixel: one event or an array (a bad event refuses the whole batch)',
  tags,
  request: { params: siteKeyParams, body: beaconBody(pixelBatchSchema) },
  responses: {
    202: jsonResponse(
      'Recorded',
      z.object({
        accepted: z.number().int(),
        unverified: z.number().int().describe('Events whose externalId lacked a valid userHash'),
      }),
    ),
    ...problemResponses,
  },
});

/** pixel.gif's query: a pixel event flattened, `properties` as JSON text. */
const pixelQuery = z.object({
  type: z.enum(['page', 'track', 'identify']).optional().describe('Default: page'),
  event: z.string().optional(),
  properties: z.string().optional().describe('A JSON object'),
  subscriberId: z.string().optional(),
  anonymousId: z.string().optional(),
  externalId: z.string().optional(),
  userHash: z.string().optional(),
  timestamp: z.string().optional(),
  messageId: z.string().optional(),
});

const pixelGif = createRoute({
  method: 'get',
  path: '/{siteKey}/pixel.gif',
  summary: 'The image pixel: one event in the query, a 1×1 GIF back',
  tags,
  request: { params: siteKeyParams, query: pixelQuery },
  responses: {
    200: { description: 'A transparent 1×1 GIF', content: { 'image/gif': { schema: z.string() } } },
    ...problemResponses,
  },
});

const postReceipt = createRoute({
  method: 'post',
  path: '/{siteKey}/receipts',
  summary: 'From the service worker: a notification was shown, clicked or closed',
  tags,
  request: { params: siteKeyParams, body: beaconBody(receiptSchema) },
  responses: {
    202: jsonResponse(
      'Accepted',
      z.object({ recorded: z.boolean().describe('false when this receipt was already counted') }),
    ),
    ...problemResponses,
  },
});

/** A transparent 1×1 GIF, 42 bytes. */
const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** `/v1/sites/{siteKey}/...`: what the snippet, the pixel and the service worker call. */
export function publicRoutes(deps: RouteDeps) {
  const { store, clock } = deps;
  const app = createRouter();
  const gate = siteGate(deps);
  // The gate is attached per route: a wildcard would also catch the private `/v1/sites/{id}`.
  app.options('/:siteKey/*', gate);
  const gated = { before: [gate] };

  handle(
    app,
    getConfig,
    (c) => {
      const site = c.get('site');
      c.header('Cache-Control', 'public, max-age=60');
      return c.json({
        vapidPublicKey: site.vapidPublicKey,
        prompt: site.prompt,
        categories: site.categories,
      });
    },
    gated,
  );

  handle(
    app,
    subscribe,
    async (c, { body: input }) => {
      const site = c.get('site');
      if (!isAllowedPushEndpoint(input.subscription.endpoint, deps.pushOriginsAllow)) {
        throw new ProblemError(400, 'Invalid request', 'The endpoint is not a known push service', [
          { path: 'subscription.endpoint', message: 'is not a known push service' },
        ]);
      }
      const known = new Set(site.categories.map((cat) => cat.id));
      const unknown = input.categories?.filter((id) => !known.has(id)) ?? [];
      if (unknown.length > 0) {
        throw new ProblemError(
          400,
          'Invalid request',
          `Unknown categories: ${unknown.join(', ')}`,
          [{ path: 'categories', message: `unknown: ${unknown.join(', ')}` }],
        );
      }
      const now = clock();
      // Linking a browser to a user needs the site's backend to vouch for the id, or anyone
      // with the public site key could receive another user's pushes.
      if (
        input.externalId &&
        site.identityVerification === 'required' &&
        !verifyUserHash(site, input.externalId, input.userHash, now)
      ) {
        throw new ProblemError(
          401,
          'Unauthorized',
          'externalId needs its userHash (HMAC-SHA256 of the externalId keyed by the site identity secret)',
          [
            {
              path: 'userHash',
              message: input.userHash ? 'does not match externalId' : 'is required with externalId',
            },
          ],
        );
      }
      const { userHash: _proof, ...subscriber } = input;
      const { id, created } = await store.subscribers.upsert(
        { workspaceId: site.workspaceId, siteId: site.id, ...subscriber },
        now,
      );
      if (input.anonymousId) {
        await store.events.attachToSubscriber(site.workspaceId, input.anonymousId, id);
      }
      if (input.externalId) {
        await store.users.upsert(site.workspaceId, input.externalId, {}, now);
        if (input.anonymousId) {
          await store.events.attachAnonymous(site.workspaceId, input.anonymousId, input.externalId);
        }
      }
      return c.json({ subscriberId: id }, created ? 201 : 200);
    },
    gated,
  );

  handle(
    app,
    unsubscribe,
    async (c, { body: { endpoint, reason } }) => {
      // Counted by why it ended: the visitor's choice, or a permission they took back.
      const deleted = await store.subscribers.deleteByEndpoint(
        c.get('site').id,
        endpoint,
        reason ?? 'unsubscribed',
        clock(),
      );
      if (!deleted) throw notFound('Subscription');
      return c.body(null, 204);
    },
    gated,
  );

  handle(
    app,
    postEvents,
    async (c, { body: parsed }) => {
      const events = Array.isArray(parsed) ? parsed : [parsed];
      const { accepted, unverified } = await recordPixelEvents(deps, c.get('site'), events);
      deps.wake();
      return c.json({ accepted, unverified }, 202);
    },
    gated,
  );

  handle(
    app,
    pixelGif,
    async (c) => {
      const query = c.req.query();
      // Same rule as JSON bodies: a NUL (`%00`) would poison PostgreSQL's jsonb casts.
      for (const [name, value] of Object.entries(query)) {
        const problem = textProblem(value) ?? textProblem(name);
        if (problem) throw new ProblemError(400, 'Invalid request', `query ${name} ${problem}`);
      }
      const properties = query.properties
        ? parseJsonSafely(query.properties, 'properties')
        : undefined;
      const event = parseWith(
        pixelEventSchema,
        { ...query, type: query.type ?? 'page', properties, traits: undefined },
        'query',
      );
      await recordPixelEvents(deps, c.get('site'), [event]);
      return c.body(new Uint8Array(PIXEL_GIF), 200, {
        'Content-Type': 'image/gif',
        'Cache-Control': 'no-store',
      });
    },
    { ...gated, ownQuery: true },
  );

  handle(
    app,
    postReceipt,
    async (c, { body: receipt }) => {
      const delivery = await store.deliveries.getOnSite(c.get('site').id, receipt.deliveryId);
      if (!delivery) throw notFound('Delivery');
      const now = clock();
      const createdAt = await store.receipts.deliveryCreatedAt(delivery, now);
      const at = clampReceiptAt(receipt.at ?? now, createdAt, now);
      const recorded = await store.receipts.record(
        delivery,
        { kind: receipt.kind, action: receipt.action ?? null, at },
        store.campaigns.incrementStats,
      );
      return c.json({ recorded }, 202);
    },
    gated,
  );

  return app;
}
