import { recordAudienceMoves } from '../audiences/audience-moves.ts';
import type { SegmentCall } from '../http/segment-schemas.ts';
import type { NewEvent } from '../storage/events.ts';
import type { Store } from '../storage/store.ts';
import type { EventIntake } from './event-intake.ts';
import { recordEvents, type IncomingEvent } from './record-events.ts';

export interface IngestResult {
  /** Events stored plus group and alias calls applied. */
  recorded: number;
  duplicates: number;
  dropped: number;
  /** What triggers and evergreen campaigns react to, Audience Entered / Exited included. */
  fresh: NewEvent[];
}

/**
 * The private (API key) Segment-style ingestion of already validated calls:
 *
 * - every user named by a kept call exists afterwards (one insert-or-ignore for the batch's
 *   distinct ids), so events before the first identify count for audiences and `GET /users`;
 * - track / page / screen / identify are recorded (screen like page);
 * - `group` sets the user's `group` trait to `{ groupId, traits }`;
 * - `alias` moves `previousId`'s subscribers, events, traits and memberships to `userId`;
 * - Engage-style identify traits that change a manual audience emit Audience Entered / Exited.
 *
 * Events are recorded first and group / alias applied after, in batch order, so an alias
 * also carries the events the same batch recorded under `previousId`. Only the private
 * path creates users; the public pixel goes through `recordEvents` alone. The calls are
 * counted (received, dropped, duplicates) in the same transaction.
 */
export async function ingestCalls(
  store: Store,
  workspaceId: string,
  calls: readonly SegmentCall[],
  now: number,
): Promise<IngestResult> {
  const kept = calls.filter((c): c is SegmentCall & { userId: string } => Boolean(c.userId));
  await store.users.ensure(
    workspaceId,
    kept.map((c) => c.userId),
    now,
  );
  const events = kept.flatMap((c) => eventOf(c, now));
  const result = await recordEvents(
    store,
    { workspaceId, siteId: null, source: 'private' },
    events,
    now,
  );
  let applied = 0;
  for (const c of kept) {
    if (c.type === 'group') {
      await store.users.upsert(
        workspaceId,
        c.userId,
        { group: { groupId: c.groupId, traits: c.traits ?? {} } },
        now,
      );
      applied++;
    } else if (c.type === 'alias') {
      await store.users.alias(workspaceId, c.previousId, c.userId, now);
      applied++;
    }
  }
  const moved = await recordAudienceMoves(store, result.moves, now);
  const dropped = calls.length - kept.length;
  await store.events.countIngestion(workspaceId, {
    received: calls.length,
    dropped,
    duplicates: result.duplicates,
  });
  return {
    recorded: result.recorded + applied,
    duplicates: result.duplicates,
    dropped,
    fresh: [...result.fresh, ...moved],
  };
}

/**
 * Records the calls through the intake (see event-intake.ts): calls that only carry events
 * (track, page, screen) as plain data, batched with other requests' events; anything with
 * identify, group or alias through `ingestCalls` in the same group transaction.
 *
 * @example const result = await acceptCalls(intake, 'ws_1', [{ type: 'track', userId: 'u-1', event: 'Signed Up' }], Date.now());
 */
export async function acceptCalls(
  intake: EventIntake,
  workspaceId: string,
  calls: readonly SegmentCall[],
  now: number,
): Promise<Omit<IngestResult, 'fresh'>> {
  const kept = calls.filter((c): c is SegmentCall & { userId: string } => Boolean(c.userId));
  const dropped = calls.length - kept.length;
  if (kept.every((c): c is PlainCall => PLAIN.has(c.type))) {
    // Straight to the rows eventOf would lead to: one object an event instead of an array,
    // an IncomingEvent and a copy (less garbage for a batch of 100).
    const events = new Array<Omit<NewEvent, 'receivedAt'>>(kept.length);
    const users = new Array<string>(kept.length);
    kept.forEach((c, i) => {
      users[i] = c.userId;
      events[i] = {
        workspaceId,
        siteId: null,
        subscriberId: null,
        anonymousId: c.anonymousId ?? null,
        externalId: c.userId,
        type: c.type === 'track' ? 'track' : 'page',
        name: c.type === 'track' ? c.event : (c.name ?? null),
        properties: c.properties ?? {},
        messageId: c.messageId ?? null,
        occurredAt: c.timestamp ?? c.originalTimestamp ?? now,
      };
    });
    const result = await intake.recordPlain({
      workspaceId,
      users,
      events,
      calls: { received: calls.length, dropped },
    });
    return { recorded: result.recorded, duplicates: result.duplicates, dropped };
  }
  const { fresh: _fresh, ...result } = await intake.record(workspaceId, (tx, at) =>
    ingestCalls(tx, workspaceId, calls, at),
  );
  return result;
}

type PlainCall = Extract<SegmentCall, { type: 'track' | 'page' | 'screen' }> & { userId: string };
const PLAIN = new Set<SegmentCall['type']>(['track', 'page', 'screen']);

/** The event a kept call records (none for group and alias; screen is recorded as page). */
function eventOf(c: SegmentCall & { userId: string }, now: number): IncomingEvent[] {
  return c.type === 'group' || c.type === 'alias'
    ? []
    : [
        {
          type: c.type === 'screen' ? 'page' : c.type,
          name: c.type === 'track' ? c.event : c.type === 'identify' ? null : (c.name ?? null),
          properties: c.type === 'identify' ? {} : (c.properties ?? {}),
          traits: c.type === 'identify' ? (c.traits ?? {}) : {},
          externalId: c.userId,
          anonymousId: c.anonymousId ?? null,
          subscriberId: null,
          messageId: c.messageId ?? null,
          occurredAt: c.timestamp ?? c.originalTimestamp ?? now,
        },
      ];
}
