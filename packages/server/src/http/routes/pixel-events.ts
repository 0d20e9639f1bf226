import type { z } from 'zod';
import type { NewEvent } from '../../storage/events.ts';
import type { Site } from '../../storage/sites.ts';
import type { AppDeps } from '../context.ts';
import { ProblemError } from '../problem.ts';
import type { pixelEventSchema } from '../schemas.ts';

type PixelEvent = z.output<typeof pixelEventSchema>;

/**
 * Stores the pixel's events and applies identify (ID sync): the subscriber — or every
 * subscriber of the site carrying the anonymous id — is linked to the user, the user's
 * traits are merged, and earlier anonymous events are joined to the user.
 */
export async function recordPixelEvents(
  deps: AppDeps,
  site: Site,
  events: readonly PixelEvent[],
): Promise<number> {
  const { store, clock } = deps;
  events.forEach((e, i) => {
    if (e.type === 'identify' && !e.externalId) {
      throw new ProblemError(400, 'Invalid request', 'identify needs an externalId', [
        { path: `${i}.externalId`, message: 'is required for identify' },
      ]);
    }
    if (e.type === 'track' && !e.event) {
      throw new ProblemError(400, 'Invalid request', 'track needs an event name', [
        { path: `${i}.event`, message: 'is required for track' },
      ]);
    }
  });
  const now = clock();
  // A subscriber id from the page is only trusted if it belongs to this site.
  const subscriberIds = new Set<string>();
  for (const id of new Set(events.flatMap((e) => (e.subscriberId ? [e.subscriberId] : [])))) {
    if (await store.subscribers.getOnSite(site.id, id)) subscriberIds.add(id);
  }
  const rows: NewEvent[] = events.map((e) => ({
    workspaceId: site.workspaceId,
    siteId: site.id,
    subscriberId: e.subscriberId && subscriberIds.has(e.subscriberId) ? e.subscriberId : null,
    anonymousId: e.anonymousId ?? null,
    externalId: e.externalId ?? null,
    type: e.type,
    name: e.event ?? null,
    properties: (e.type === 'identify' ? e.traits : e.properties) ?? {},
    messageId: e.messageId ?? null,
    occurredAt: e.timestamp ?? now,
  }));
  const { inserted } = await store.events.insert(rows, now);

  for (const e of events) {
    if (e.type !== 'identify' || !e.externalId) continue;
    await store.users.upsert(site.workspaceId, e.externalId, e.traits ?? {}, now);
    const subscriberId =
      e.subscriberId && subscriberIds.has(e.subscriberId) ? e.subscriberId : undefined;
    await store.subscribers.linkExternalId(
      site.id,
      { subscriberId, anonymousId: e.anonymousId },
      e.externalId,
      now,
    );
    if (e.anonymousId) {
      await store.events.attachAnonymous(site.workspaceId, e.anonymousId, e.externalId);
    }
  }
  return inserted;
}
