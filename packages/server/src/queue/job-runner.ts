import type { Lane } from '../domain/lane.ts';
import type { Job } from '../storage/jobs.ts';
import type { Store } from '../storage/store.ts';

/**
 * Runs one job. A long handler checks `signal` between checkpoints and throws when it is
 * aborted (graceful shutdown); the runner then gives the job back to the queue at once.
 */
export type JobHandler = (job: Job, signal: AbortSignal) => Promise<unknown>;

/**
 * Claims one due job and runs the handler for its kind. A handler that throws fails the
 * job after `maxAttempts`, otherwise it is retried later; a worker that dies mid-job
 * leaves its lease to run out and the job is taken over (handlers resume from their
 * checkpoint). `stop()` aborts the job in hand at its next checkpoint and releases its lease.
 */
export function createJobRunner(deps: {
  store: Store;
  clock: () => number;
  leaseMs: number;
  handlers: Record<string, JobHandler>;
  maxAttempts?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}) {
  const { store, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? 5;
  let stopping = new AbortController();
  /** The workspace of the last express job: the next express claim starts after it. */
  let lastExpress: string | null = null;
  /** When the express loop last looked for jobs whose worker died (see jobs.claim). */
  let orphansAt = -Infinity;

  return {
    /**
     * Claims one job of `lane` (any, express first, when omitted) and runs it. Several loops
     * may call this at once: each runs its own job (engine.ts runs one per lane slot).
     */
    async runOnce(lane?: Lane): Promise<boolean> {
      const { signal } = stopping;
      if (signal.aborted) return false;
      const express = lane === 'express';
      const now = clock();
      const orphans = express && now - orphansAt >= ORPHAN_CHECK_MS;
      if (orphans) orphansAt = now;
      const job = await store.jobs.claim(
        now,
        deps.leaseMs,
        lane,
        express ? lastExpress : null,
        orphans,
      );
      if (express) lastExpress = job?.workspaceId ?? null;
      if (!job) return false;
      return run(job, signal);
    },
    /** Aborts the job in hand at its next checkpoint; after this, claims nothing until resume. */
    stop(): void {
      stopping.abort(new Error('shutting down'));
    },
    resume(): void {
      if (stopping.signal.aborted) stopping = new AbortController();
    },
  };

  async function run(job: Job, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) {
      await store.jobs.releaseLease(job.id, clock());
      return false;
    }
    const handler = deps.handlers[job.kind];
    if (job.attempts > maxAttempts) {
      // Claimed again and again without an answer: its worker dies on it (a lease ran out).
      const error = job.error ?? `no worker finished it in ${maxAttempts} attempts`;
      await store.jobs.finish(job.id, { status: 'failed', error }, clock());
      return true;
    }
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const result = await handler(job, signal);
      await store.jobs.finish(job.id, { status: 'succeeded', result }, clock());
    } catch (error) {
      if (signal.aborted) {
        // Stopped at a checkpoint: the next worker resumes from it without waiting.
        await store.jobs.releaseLease(job.id, clock());
        return false;
      }
      const message = (error as Error).message;
      deps.log?.(`job ${job.id} (${job.kind}) attempt ${job.attempts} failed: ${message}`);
      if (!handler || job.attempts >= maxAttempts) {
        await store.jobs.finish(job.id, { status: 'failed', error: message }, clock());
      } else {
        await store.jobs.release(job.id, clock() + 1_000 * 2 ** job.attempts, clock(), message);
      }
    }
    return true;
  }
}

export type JobRunner = ReturnType<typeof createJobRunner>;

/** How often the express loop looks for a job whose worker died: far below any lease. */
const ORPHAN_CHECK_MS = 1_000;
