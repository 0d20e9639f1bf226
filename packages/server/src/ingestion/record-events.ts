import type { AudienceMove } from '../audiences/audience-moves.ts';
import type { Store } from '../storage/store.ts';
import type { NewEvent } from '../storage/events.ts';

/** An event from any source (the pixel, the Segment-style API), already validated. */
export interface IncomingEvent {
  type: 'page' | 'track' | 'identify';
  name: string | null;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  externalId: string | null;
  anonymousId: string | null;
  /** Only ids already checked to belong to the site / workspace. */
  subscriberId: string | null;
  messageId: string | null;
  occurredAt: number;
}

/**
 * Where events come from. `private`: the API-key ingestion endpoints, trusted. `public`: the
 * browser (pixel, snippet), where anyone holding the site key can name any externalId, so an
 * identify writes traits only for ids in `verifiedExternalIds` (a valid `userHash`) and never
 * touches audience membership (API.md "Identity verification").
 */
export interface RecordScope {
  workspaceId: string;
  siteId: string | null;
  source: 'public' | 'private';
  verifiedExternalIds?: ReadonlySet<string>;
}

export interface RecordResult {
  recorded: number;
  duplicates: number;
  /** The events that were new, in order: what triggers and evergreen campaigns react to. */
  fresh: Array<NewEvent>;
  /** Manual memberships that Engage-style traits really changed (for Audience Entered / Exited). */
  moves: AudienceMove[];
}

/**
 * Stores events once per `messageId` and applies identify: the user's traits are merged,
 * Segment Engage-style boolean traits (`vip_customers: true`) update the manual audience
 * of that snake_cased name, the browser's subscribers (by subscriber or anonymous id) are
 * linked to the user, and the anonymous history is joined to it. Run it in the caller's
 * transaction (`store` bound to it): the events, what identify changes and the trigger runs
 * they start commit together.
 */
export async function recordEvents(
  store: Store,
  scope: RecordScope,
  events: readonly IncomingEvent[],
  now: number,
): Promise<RecordResult> {
  // Repeats within the batch go now; repeats of stored events are skipped by the insert.
  const batchIds = new Set<string>();
  const unique = events.filter((e) => {
    if (!e.messageId) return true;
    if (batchIds.has(e.messageId)) return false;
    batchIds.add(e.messageId);
    return true;
  });

  // A batch from one page names the same subscriber in every event: read it once.
  const userOf = new Map<string, string | null>();
  const rows: NewEvent[] = [];
  const incomingOf = new Map<NewEvent, IncomingEvent>();
  for (const e of unique) {
    let externalId = e.externalId;
    if (!externalId && e.subscriberId) {
      if (!userOf.has(e.subscriberId)) {
        const subscriber = await store.subscribers.get(scope.workspaceId, e.subscriberId);
        userOf.set(e.subscriberId, subscriber?.externalId ?? null);
      }
      externalId = userOf.get(e.subscriberId) ?? null;
    }
    const row: NewEvent = {
      workspaceId: scope.workspaceId,
      siteId: scope.siteId,
      subscriberId: e.subscriberId,
      anonymousId: e.anonymousId,
      externalId,
      type: e.type,
      name: e.name,
      properties: e.type === 'identify' ? e.traits : e.properties,
      messageId: e.messageId,
      occurredAt: e.occurredAt,
    };
    rows.push(row);
    incomingOf.set(row, e);
  }
  const stored = await store.events.insert(rows, now);
  const fresh = stored.map((row) => incomingOf.get(row)!);

  const moves: AudienceMove[] = [];
  for (const e of fresh) {
    if (e.type !== 'identify' || !e.externalId) continue;
    moves.push(...(await identify(store, scope, e as IncomingEvent & { externalId: string }, now)));
  }
  return {
    recorded: stored.length,
    duplicates: events.length - stored.length,
    fresh: stored,
    moves,
  };
}

async function identify(
  store: Store,
  scope: RecordScope,
  e: IncomingEvent & { externalId: string },
  now: number,
): Promise<AudienceMove[]> {
  const trusted = scope.source === 'private' || !!scope.verifiedExternalIds?.has(e.externalId);
  // An unverified browser identify (a site with verification off) still links: ID sync.
  await store.users.upsert(scope.workspaceId, e.externalId, trusted ? e.traits : {}, now);
  if (e.subscriberId && scope.siteId) {
    await store.subscribers.linkExternalId(
      scope.siteId,
      { subscriberId: e.subscriberId },
      e.externalId,
      now,
    );
  }
  if (e.anonymousId) {
    if (scope.siteId) {
      await store.subscribers.linkExternalId(
        scope.siteId,
        { anonymousId: e.anonymousId },
        e.externalId,
        now,
      );
    } else {
      await store.subscribers.linkAnonymousInWorkspace(
        scope.workspaceId,
        e.anonymousId,
        e.externalId,
        now,
      );
    }
    await store.events.attachAnonymous(scope.workspaceId, e.anonymousId, e.externalId);
  }
  const moves: AudienceMove[] = [];
  // Engage-style membership traits come from the customer's backend only.
  if (scope.source !== 'private') return moves;
  for (const [trait, value] of Object.entries(e.traits)) {
    if (typeof value !== 'boolean') continue;
    const audience = await store.audiences.findManualByKey(scope.workspaceId, trait);
    if (!audience) continue;
    const member = { type: 'user' as const, id: e.externalId };
    const changed = value
      ? await store.audiences.addMembers(audience, [member], now)
      : await store.audiences.removeMembers(audience, [member]);
    if (changed > 0) moves.push({ audience, member, direction: value ? 'add' : 'remove' });
  }
  return moves;
}
