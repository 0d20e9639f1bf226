import type { z } from 'zod';
import { recordEvents } from '../../ingestion/record-events.ts';
import type { Site } from '../../storage/sites.ts';
import type { AppDeps } from '../context.ts';
import { ProblemError } from '../problem.ts';
import type { pixelEventSchema } from '../schemas.ts';

type PixelEvent = z.output<typeof pixelEventSchema>;

/**
 * The pixel's events: validated as a whole (one bad event refuses the batch and changes
 * nothing), then recorded with identify applied (ID sync).
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
  const onSite = new Set<string>();
  for (const id of new Set(events.flatMap((e) => (e.subscriberId ? [e.subscriberId] : [])))) {
    if (await store.subscribers.getOnSite(site.id, id)) onSite.add(id);
  }
  const result = await recordEvents(
    store,
    { workspaceId: site.workspaceId, siteId: site.id },
    events.map((e) => ({
      type: e.type,
      name: e.event ?? null,
      properties: e.properties ?? {},
      traits: e.traits ?? {},
      externalId: e.externalId ?? null,
      anonymousId: e.anonymousId ?? null,
      subscriberId: e.subscriberId && onSite.has(e.subscriberId) ? e.subscriberId : null,
      messageId: e.messageId ?? null,
      occurredAt: e.timestamp ?? now,
    })),
    now,
  );
  await deps.onEvents?.(site.workspaceId, result.fresh);
  return result.recorded;
}
