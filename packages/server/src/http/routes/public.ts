import { Hono } from 'hono';
import { isAllowedPushEndpoint } from '../../domain/push-endpoints.ts';
import { clampReceiptAt } from '../../domain/receipt-time.ts';
import { verifyUserHash } from '../../domain/user-hash.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { notFound, ProblemError } from '../problem.ts';
import {
  pixelBatchSchema,
  pixelEventSchema,
  receiptSchema,
  subscribeSchema,
  unsubscribeSchema,
} from '../schemas.ts';
import { siteGate } from '../site-gate.ts';
import { parseJsonSafely, textProblem } from '../json-guard.ts';
import { parseWith, readJson } from '../validate.ts';
import { recordPixelEvents } from './pixel-events.ts';

/** A transparent 1×1 GIF, 42 bytes. */
const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** `/v1/sites/{siteKey}/...`: what the snippet, the pixel and the service worker call. */
export function publicRoutes(deps: AppDeps) {
  const { store, clock } = deps;
  const app = new Hono<AppEnv>();
  const gate = siteGate(deps);
  // The gate is attached per route: a wildcard would also catch the private `/v1/sites/{id}`.
  app.options('/:siteKey/*', gate);

  app.get('/:siteKey/config', gate, (c) => {
    const site = c.get('site');
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({
      vapidPublicKey: site.vapidPublicKey,
      prompt: site.prompt,
      categories: site.categories,
    });
  });

  app.post('/:siteKey/subscriptions', gate, async (c) => {
    const site = c.get('site');
    const input = await readJson(c, subscribeSchema);
    if (!isAllowedPushEndpoint(input.subscription.endpoint, deps.pushOriginsAllow)) {
      throw new ProblemError(400, 'Invalid request', 'The endpoint is not a known push service', [
        { path: 'subscription.endpoint', message: 'is not a known push service' },
      ]);
    }
    const known = new Set(site.categories.map((cat) => cat.id));
    const unknown = input.categories?.filter((id) => !known.has(id)) ?? [];
    if (unknown.length > 0) {
      throw new ProblemError(400, 'Invalid request', `Unknown categories: ${unknown.join(', ')}`, [
        { path: 'categories', message: `unknown: ${unknown.join(', ')}` },
      ]);
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
  });

  app.delete('/:siteKey/subscriptions', gate, async (c) => {
    const { endpoint, reason } = await readJson(c, unsubscribeSchema);
    const deleted = await store.subscribers.deleteByEndpoint(
      c.get('site').id,
      endpoint,
      reason ?? 'unsubscribed',
      clock(),
    );
    if (!deleted) throw notFound('Subscription');
    return c.body(null, 204);
  });

  app.post('/:siteKey/events', gate, async (c) => {
    const parsed = await readJson(c, pixelBatchSchema);
    const events = Array.isArray(parsed) ? parsed : [parsed];
    const { accepted, unverified } = await recordPixelEvents(deps, c.get('site'), events);
    deps.wake();
    return c.json({ accepted, unverified }, 202);
  });

  app.get('/:siteKey/pixel.gif', gate, async (c) => {
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
  });

  app.post('/:siteKey/receipts', gate, async (c) => {
    const receipt = await readJson(c, receiptSchema);
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
  });

  return app;
}
