import type { NewEvent } from '../storage/events.ts';
import type { Store } from '../storage/store.ts';
import { startRuns } from '../triggers/start-runs.ts';
import { createGroupCommit } from './group-commit.ts';

/**
 * The one way events enter Beckon (the pixel, the Segment-style API). `record` runs the
 * caller's recording in the next group commit and starts the trigger runs its fresh events
 * match in the same transaction, so an event and its runs are stored together or not at
 * all: a crash or a database error between them cannot keep the event and lose the run,
 * and the client's retry (de-duplicated by `messageId`) starts them exactly once.
 *
 * `now` is the server's receive time: the events' `received_at` and the runs' start.
 * `committed` hears about each recording once it is durable (metrics, waking workers).
 *
 * @example
 * const intake = createEventIntake({ store, clock: Date.now });
 * await intake.record(workspaceId, (tx, now) => recordEvents(tx, scope, events, now));
 */
export function createEventIntake(deps: {
  store: Store;
  clock: () => number;
  committed?: (workspaceId: string, fresh: readonly NewEvent[], runsStarted: number) => void;
}) {
  const commit = createGroupCommit(deps.store);
  return {
    async record<T extends { fresh: readonly NewEvent[] }>(
      workspaceId: string,
      work: (tx: Store, now: number) => Promise<T>,
    ): Promise<T> {
      const now = deps.clock();
      const { result, started } = await commit(async (tx) => {
        const result = await work(tx, now);
        const started = await startRuns(tx, workspaceId, result.fresh, now);
        return { result, started };
      });
      deps.committed?.(workspaceId, result.fresh, started);
      return result;
    },
  };
}

export type EventIntake = ReturnType<typeof createEventIntake>;
