import { matches, parseWhere } from '../domain/conditions.ts';
import { MAX_CHAIN_DEPTH, mayReenter } from '../domain/trigger.ts';
import type { NewEvent } from '../storage/events.ts';
import { toJson } from '../storage/json.ts';
import type { Store } from '../storage/store.ts';

/**
 * Starts a run of every active trigger whose event (and `where`) an incoming event
 * matches, subject to re-entry rules. `chain` names the triggers whose audience moves
 * produced these events: a trigger already on it is not started again (a loop), nor is any
 * once the chain is MAX_CHAIN_DEPTH long.
 */
export async function startRuns(
  store: Store,
  workspaceId: string,
  events: readonly NewEvent[],
  now: number,
  chain: readonly string[] = [],
): Promise<number> {
  const names = [...new Set(events.flatMap((e) => (e.name ? [e.name] : [])))];
  const triggers = await store.triggers.activeOn(workspaceId, names);
  let started = 0;
  for (const event of events) {
    for (const trigger of triggers) {
      const { on } = trigger.definition;
      if (on.event !== event.name) continue;
      if (on.where && !whereMatches(on.where, event.properties)) continue;
      // Nobody to reach: an anonymous visitor without a subscription.
      if (!event.externalId && !event.subscriberId) continue;
      if (chain.includes(trigger.id) || chain.length >= MAX_CHAIN_DEPTH) {
        await store.triggers.bump(trigger.id, 'stopped');
        continue;
      }
      const who = {
        externalId: event.externalId,
        subscriberId: event.externalId ? null : event.subscriberId,
      };
      const last = await store.triggers.lastStart(trigger.id, who);
      if (!mayReenter(trigger.reentry, last, now)) continue;
      await store.transaction(async (tx) => {
        await tx.triggers.startRun(
          {
            trigger_id: trigger.id,
            workspace_id: workspaceId,
            external_id: who.externalId,
            subscriber_id: who.subscriberId,
            properties: toJson(event.properties),
            chain: toJson([...chain, trigger.id]),
            started_at: event.occurredAt,
          },
          now,
        );
        await tx.triggers.bump(trigger.id, 'fired', 1);
      });
      started++;
    }
  }
  return started;
}

/** A `where` stored before conditions were checked may not parse: that trigger never fires. */
function whereMatches(where: Record<string, unknown>, properties: Record<string, unknown>) {
  try {
    return matches(parseWhere(where), properties);
  } catch {
    return false;
  }
}
