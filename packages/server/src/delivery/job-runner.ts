import type { Job } from '../storage/jobs.ts';
import type { Store } from '../storage/store.ts';

export type JobHandler = (job: Job) => Promise<unknown>;

/**
 * Claims one due job and runs the handler for its kind. A handler that throws fails the
 * job after `maxAttempts`, otherwise it is retried later; a worker that dies mid-job
 * leaves its lease to run out and the job is taken over (handlers resume from their
 * checkpoint).
 */
export function createJobRunner(deps: {
  store: Store;
  clock: () => number;
  leaseMs: number;
  handlers: Record<string, JobHandler>;
  maxAttempts?: number;
  log?: (message: string) => void;
}) {
  const { store, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? 5;

  return {
    async runOnce(): Promise<boolean> {
      const job = await store.jobs.claim(clock(), deps.leaseMs);
      if (!job) return false;
      const handler = deps.handlers[job.kind];
      if (job.attempts > maxAttempts) {
        // Claimed again and again without an answer: its worker dies on it (a lease ran out).
        const error = job.error ?? `no worker finished it in ${maxAttempts} attempts`;
        await store.jobs.finish(job.id, { status: 'failed', error }, clock());
        return true;
      }
      try {
        if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
        const result = await handler(job);
        await store.jobs.finish(job.id, { status: 'succeeded', result }, clock());
      } catch (error) {
        const message = (error as Error).message;
        deps.log?.(`job ${job.id} (${job.kind}) attempt ${job.attempts} failed: ${message}`);
        if (!handler || job.attempts >= maxAttempts) {
          await store.jobs.finish(job.id, { status: 'failed', error: message }, clock());
        } else {
          await store.jobs.release(job.id, clock() + 1_000 * 2 ** job.attempts, clock(), message);
        }
      }
      return true;
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
