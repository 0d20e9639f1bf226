import type { Store } from '../storage/store.ts';
import type { Trigger } from '../storage/triggers.ts';
import { createStepRunner } from './run-steps.ts';

/**
 * Claims runs whose timer is due (or that a dead worker left) and moves them on. Pending
 * timers are rows; nothing is held in memory while they wait, and a restart loses none.
 */
export function createTriggerWorker(deps: {
  store: Store;
  clock: () => number;
  leaseMs: number;
  wake: () => void;
}) {
  const runSteps = createStepRunner(deps);
  return {
    async runOnce(): Promise<boolean> {
      const runs = await deps.store.triggers.claimDue(deps.clock(), deps.leaseMs, 50);
      const triggers = new Map<string, Trigger | undefined>();
      for (const run of runs) {
        if (!triggers.has(run.trigger_id)) {
          triggers.set(
            run.trigger_id,
            await deps.store.triggers.get(run.workspace_id, run.trigger_id),
          );
        }
        await runSteps(triggers.get(run.trigger_id), run);
      }
      return runs.length > 0;
    },
  };
}
