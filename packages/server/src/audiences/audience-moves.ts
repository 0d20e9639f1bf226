import { AUDIENCE_ENTERED, AUDIENCE_EXITED } from '../domain/trigger.ts';
import type { Audience, Member } from '../storage/audiences.ts';
import type { NewEvent } from '../storage/events.ts';
import type { DbTransaction, Store } from '../storage/store.ts';

/** One real change of a manual audience's membership (not a no-op add or remove). */
export interface AudienceMove {
  audience: Pick<Audience, 'id' | 'name' | 'workspaceId'>;
  member: Member;
  direction: 'add' | 'remove';
}

/**
 * The `Audience Entered` / `Audience Exited` events for these moves, keyed to the user
 * (or, for a bare subscriber member, to the subscriber) so triggers can start from them.
 */
export function audienceMoveEvents(moves: readonly AudienceMove[], now: number): NewEvent[] {
  return moves.map(({ audience, member, direction }) => ({
    workspaceId: audience.workspaceId,
    siteId: null,
    subscriberId: member.type === 'subscriber' ? member.id : null,
    anonymousId: null,
    externalId: member.type === 'user' ? member.id : null,
    type: 'track',
    name: direction === 'add' ? AUDIENCE_ENTERED : AUDIENCE_EXITED,
    properties: { audienceId: audience.id, audienceName: audience.name },
    messageId: null,
    occurredAt: now,
  }));
}

/**
 * Records the events of these moves — one statement per audience and direction; given a
 * `tx`, a membership change and its event commit together — and returns them for `startRuns`.
 *
 * @example const events = await store.transaction((tx) => recordAudienceMoves(tx, moves, now));
 */
export async function recordAudienceMoves(
  store: Store,
  moves: readonly AudienceMove[],
  now: number,
  /** @deprecated a raw transaction, for http/ routes not yet on `store.transaction`. */
  trx?: DbTransaction,
): Promise<NewEvent[]> {
  const events = audienceMoveEvents(moves, now);
  const groups = new Map<string, NewEvent[]>();
  for (const event of events) {
    const key = `${event.name}\u0000${String(event.properties.audienceId)}`;
    const group = groups.get(key);
    if (group) group.push(event);
    else groups.set(key, [event]);
  }
  for (const group of groups.values()) {
    await store.events.insertFanned(group[0]!, group, now, trx);
  }
  return events;
}
