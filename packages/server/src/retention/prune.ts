import { cutoffs, IDEMPOTENCY_KEEP_MS, PUSH_LOG_KEEP_MS } from '../domain/retention.ts';
import type { Store } from '../storage/store.ts';

export interface PruneOptions {
  /** Rows per DELETE: small enough that no statement holds a lock for long. */
  batchSize: number;
  /** DELETE statements per tick at most; the rest waits for the next tick. */
  maxBatchesPerTick: number;
  /** Workspaces read per page. */
  workspacesPerPage: number;
}

export const DEFAULT_PRUNE_OPTIONS: PruneOptions = {
  batchSize: 1_000,
  maxBatchesPerTick: 200,
  workspacesPerPage: 100,
};

/** Lets queued work (HTTP requests, other loops) run between two DELETEs. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The retention job: deletes what each workspace's retention says is too old (events,
 * finished deliveries and their receipts, finished jobs, ended trigger runs), push_log rows
 * past the caps' windows, expired idempotency keys, sessions and set-password links — in batches, yielding between them,
 * at most `maxBatchesPerTick` per tick. Safe to run in several workers at once.
 *
 * @example const prune = createPrune({ store, clock }); while (await prune.runOnce());
 */
export function createPrune(deps: {
  store: Store;
  clock: () => number;
  options?: Partial<PruneOptions>;
}) {
  const options = { ...DEFAULT_PRUNE_OPTIONS, ...deps.options };
  const { retention } = deps.store;
  /**
   * Where the current pass stands: the global tables done, the last workspace done, and
   * the table reached in the next one. A tick that runs out of budget resumes from here,
   * so every statement makes progress however many workspaces there are.
   */
  let pass = { global: 0, after: '', stage: 0 };

  return {
    /** One tick; true when it stopped at its budget with more left (run again soon). */
    async runOnce(): Promise<boolean> {
      let budget = options.maxBatchesPerTick;
      /** Deletes batches until the table is done (true) or the budget is spent (false). */
      const drain = async (batch: (limit: number) => Promise<number>) => {
        while (budget > 0) {
          budget--;
          const n = await batch(options.batchSize);
          await yieldToOthers();
          if (n < options.batchSize) return true;
        }
        return false;
      };
      const now = deps.clock();
      const globals = [
        (limit: number) => retention.pushLog(now - PUSH_LOG_KEEP_MS, limit),
        (limit: number) => retention.idempotencyKeys(now - IDEMPOTENCY_KEEP_MS, limit),
        (limit: number) => deps.store.sessions.pruneExpired(now, limit),
        (limit: number) => deps.store.accounts.pruneExpiredTokens(now, limit),
      ];
      for (; pass.global < globals.length; pass.global++) {
        if (!(await drain(globals[pass.global]!))) return true;
      }
      for (;;) {
        const page = await deps.store.workspaces.retentionPage(
          pass.after,
          options.workspacesPerPage,
        );
        for (const workspace of page) {
          const id = workspace.id;
          const before = cutoffs(workspace.retention, now);
          const stages = [
            (limit: number) => retention.events(id, before.events, limit),
            (limit: number) => retention.deliveries(id, before.deliveries, limit),
            (limit: number) => retention.jobs(id, before.jobs, limit),
            (limit: number) => retention.triggerRuns(id, before.triggerRuns, limit),
          ];
          for (; pass.stage < stages.length; pass.stage++) {
            if (!(await drain(stages[pass.stage]!))) return true;
          }
          pass = { ...pass, after: id, stage: 0 };
        }
        if (page.length < options.workspacesPerPage) {
          pass = { global: 0, after: '', stage: 0 };
          return false;
        }
      }
    },
  };
}

export type Prune = ReturnType<typeof createPrune>;
