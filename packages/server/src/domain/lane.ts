import type { Target } from './target.ts';

/**
 * Which queue a send waits in. `express` is claimed ahead of `bulk` — its fan-out job and
 * its deliveries alike — so a password-reset push never waits behind a broadcast (API.md
 * "Notifications: list, cancel, throttle, priority").
 */
export type Lane = 'express' | 'bulk';

/** What a send queued in `lane`: its fan-out job, or its deliveries already (`fannedOut`). */
export interface Queued {
  lane: Lane;
  fannedOut: boolean;
}

/** Ids a target may name and still be a small send. */
export const EXPRESS_MAX_IDS = 100;

/**
 * A trigger's send, and a send naming at most {@link EXPRESS_MAX_IDS} users or subscribers
 * by id, is `express`; everything else is `bulk`. Selectors combine with AND, so the
 * shortest id list bounds the target (a user's several devices still count as one id).
 *
 * @example laneOf({ externalIds: ['u1'] }, {}) // 'express'
 */
export function laneOf(target: Target, origin: { triggerId?: string | null }): Lane {
  if (origin.triggerId) return 'express';
  const lists = [target.externalIds, target.subscriberIds].filter((l) => l !== undefined);
  if (lists.length === 0) return 'bulk';
  return Math.min(...lists.map((l) => l.length)) <= EXPRESS_MAX_IDS ? 'express' : 'bulk';
}
