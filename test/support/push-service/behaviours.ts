/**
 * Scripted answers (`respondWith`): per-target queues, consumed one request at a time.
 */
import type { Behaviour } from './types.ts';

export const ANY_SUBSCRIBER = '*';

export interface BehaviourTable {
  /** Queues `behaviour` after any already scripted for `target` (a subscriber id or `'*'`). */
  add(target: string, behaviour: Behaviour): void;
  /** The behaviour for this request, counting it against `times`; a subscriber's own queue beats `'*'`. */
  take(subscriberId: string): Behaviour | undefined;
  clear(): void;
}

interface Scripted {
  behaviour: Behaviour;
  remaining: number;
}

const ERROR_STATUSES = new Set([400, 403, 404, 410, 413, 429, 500, 503]);

/**
 * @example
 * const behaviours = createBehaviourTable();
 * behaviours.add(id, { status: 503, retryAfter: 1, times: 2 }); // two 503s…
 * behaviours.add(id, { status: 410 });                          // …then gone for good
 */
export function createBehaviourTable(): BehaviourTable {
  const queues = new Map<string, Scripted[]>();

  return {
    add(target, behaviour) {
      assertBehaviour(behaviour);
      const queue = queues.get(target) ?? [];
      queue.push({
        behaviour,
        remaining: behaviour.times ?? Number.POSITIVE_INFINITY,
      });
      queues.set(target, queue);
    },
    take(subscriberId) {
      for (const key of [subscriberId, ANY_SUBSCRIBER]) {
        const queue = queues.get(key);
        const head = queue?.[0];
        if (!queue || !head) continue;
        head.remaining -= 1;
        if (head.remaining <= 0) queue.shift();
        return head.behaviour;
      }
      return undefined;
    },
    clear: () => queues.clear(),
  };
}

function assertBehaviour(behaviour: Behaviour): void {
  const { times } = behaviour;
  if (times !== undefined && (!Number.isInteger(times) || times < 1)) {
    throw new RangeError(`respondWith: times must be a positive integer, got ${times}`);
  }
  if ('delayMs' in behaviour) {
    if (!Number.isFinite(behaviour.delayMs) || behaviour.delayMs < 0) {
      throw new RangeError(
        `respondWith: delayMs must be a non-negative number, got ${behaviour.delayMs}`,
      );
    }
  } else if (!ERROR_STATUSES.has(behaviour.status)) {
    throw new RangeError(`respondWith: unsupported status ${behaviour.status}`);
  }
}
