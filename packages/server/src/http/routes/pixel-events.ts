import type { z } from 'zod';
import { recordEvents } from '../../ingestion/record-events.ts';
import { verifyUserHash } from '../../domain/user-hash.ts';
import type { Site } from '../../storage/sites.ts';
import type { RouteDeps } from '../context.ts';
import { ProblemError } from '../problem.ts';
import type { pixelEventSchema } from '../schemas.ts';

type PixelEvent = z.output<typeof pixelEventSchema>;

/**
 * The pixel's events: validated as a whole (one bad event refuses the batch and changes
 * nothing), then recorded with identify applied (ID sync).
 *
 * An event naming an `externalId` without its valid `userHash` is `unverified`: on a site
 * that requires verification it is kept without the user (as anonymous), so it can neither
 * link a browser to someone else's account nor start their triggers; on a site with
 * verification off it still links, but writes no traits (see `recordEvents`). Recorded
 * through the intake: stored, with the trigger runs they start, before the answer.
 */
export async function recordPixelEvents(
  deps: RouteDeps,
  site: Site,
  events: readonly PixelEvent[],
): Promise<{ accepted: number; unverified: number }> {
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
  // Without identify or a subscriber to check, the events are plain data: batched.
  if (events.every((e) => e.type !== 'identify' && !e.subscriberId)) {
    const now = deps.clock();
    let unverified = 0;
    const result = await deps.intake.recordPlain({
      workspaceId: site.workspaceId,
      users: [],
      events: events.map((e) => {
        let externalId = e.externalId ?? null;
        if (externalId && !verifyUserHash(site, externalId, e.userHash, now)) {
          unverified += 1;
          if (site.identityVerification === 'required') externalId = null;
        }
        return {
          workspaceId: site.workspaceId,
          siteId: site.id,
          subscriberId: null,
          anonymousId: e.anonymousId ?? null,
          externalId,
          type: e.type,
          name: e.event ?? null,
          properties: e.properties ?? {},
          messageId: e.messageId ?? null,
          occurredAt: e.timestamp ?? now,
        };
      }),
    });
    return { accepted: result.recorded, unverified };
  }
  return deps.intake.record(site.workspaceId, async (tx, now) => {
    const verified = new Set<string>();
    let unverified = 0;
    const externalIdOf = (e: PixelEvent): string | null => {
      if (!e.externalId) return null;
      // Each event proves itself: one valid hash in a batch does not vouch for its neighbours.
      if (verifyUserHash(site, e.externalId, e.userHash, now)) {
        verified.add(e.externalId);
        return e.externalId;
      }
      unverified += 1;
      return site.identityVerification === 'required' ? null : e.externalId;
    };
    // A subscriber id from the page is only trusted if it belongs to this site.
    const onSite = new Set<string>();
    for (const id of new Set(events.flatMap((e) => (e.subscriberId ? [e.subscriberId] : [])))) {
      if (await tx.subscribers.getOnSite(site.id, id)) onSite.add(id);
    }
    const result = await recordEvents(
      tx,
      {
        workspaceId: site.workspaceId,
        siteId: site.id,
        source: 'public',
        verifiedExternalIds: verified,
      },
      events.map((e) => ({
        type: e.type,
        name: e.event ?? null,
        properties: e.properties ?? {},
        traits: e.traits ?? {},
        externalId: externalIdOf(e),
        anonymousId: e.anonymousId ?? null,
        subscriberId: e.subscriberId && onSite.has(e.subscriberId) ? e.subscriberId : null,
        messageId: e.messageId ?? null,
        occurredAt: e.timestamp ?? now,
      })),
      now,
    );
    return { accepted: result.recorded, unverified, fresh: result.fresh };
  });
}
