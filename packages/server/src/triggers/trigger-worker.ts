import { MAX_RUN_ATTEMPTS, runRetryAt } from '../domain/trigger.ts';
import type { Store } from '../storage/store.ts';
import type { Trigger, TriggerRun } from '../storage/triggers.ts';
import { createStepRunner } from './run-steps.ts';

/**
 * Claims runs whose timer is due (or that a dead worker left) and moves them on. Pending
 * timers are rows; nothing is held in memory while they wait, and a restart loses none.
 * One run's failure is recorded on that run (attempts, last error, backoff, then `failed`):
 * it never holds back the rest of the batch, whatever workspace they belong to.
 * After `stop()` it finishes the run in hand and releases the leases of the others.
 */
export function createTriggerWorker(deps: {
  store: Store;
  clock: () => number;
  leaseMs: number;
  wake: () => void;
  log?: (message: string) => void;
}) {
  const runSteps = createStepRunner(deps);
  let stopping = false;
  /** The workspace the last claim ended at: the next starts after it (see triggers.claimDue). */
  let lastWorkspace: string | null = null;

  async function runOne(run: TriggerRun, triggers: Map<string, Trigger | undefined>) {
    if (run.attempts > MAX_RUN_ATTEMPTS) {
      // Claimed again and again without an answer: its worker dies on it (a lease ran out).
      const error = run.last_error ?? `no worker finished it in ${MAX_RUN_ATTEMPTS} attempts`;
      await deps.store.triggers.recordFailure(run.id, { error, retryAt: null }, deps.clock());
      return;
    }
    try {
      if (!triggers.has(run.trigger_id)) {
        triggers.set(
          run.trigger_id,
          await deps.store.triggers.get(run.workspace_id, run.trigger_id),
        );
      }
      await runSteps(triggers.get(run.trigger_id), run);
    } catch (error) {
      const message = (error as Error).message || String(error);
      const retryAt = runRetryAt(run.attempts, deps.clock());
      deps.log?.(
        `trigger run ${run.id} (${run.workspace_id}) attempt ${run.attempts} failed` +
          `${retryAt === null ? ', giving up' : ''}: ${message}`,
      );
      await deps.store.triggers.recordFailure(run.id, { error: message, retryAt }, deps.clock());
    }
  }

  return {
    async runOnce(): Promise<boolean> {
      const runs = await deps.store.triggers.claimDue(
        deps.clock(),
        deps.leaseMs,
        50,
        lastWorkspace,
      );
      lastWorkspace = runs.at(-1)?.workspace_id ?? null;
      const triggers = new Map<string, Trigger | undefined>();
      for (const [i, run] of runs.entries()) {
        if (stopping) {
          // Shutting down: the runs not started go back at once, not after their lease.
          await deps.store.triggers.releaseLeases(
            runs.slice(i).map((r) => r.id),
            deps.clock(),
          );
          break;
        }
        await runOne(run, triggers);
      }
      return runs.length > 0 && !stopping;
    },
    /** Finishes the run in hand and gives the rest of the batch back (graceful shutdown). */
    stop(): void {
      stopping = true;
    },
    resume(): void {
      stopping = false;
    },
  };
}
