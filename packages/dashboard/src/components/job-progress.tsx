import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import type { Job } from '../lib/types.ts';

/** Follows `GET /v1/jobs/{id}` until the job ends, as a progress bar with its status. */
export function JobProgress({ jobId, onDone }: { jobId: string; onDone?: (job: Job) => void }) {
  const [job, setJob] = useState<Job>();
  const [lost, setLost] = useState<string>();

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Bounded: a job that never ends stops being polled after ten minutes.
    const until = Date.now() + 600_000;
    const poll = async () => {
      try {
        const next = await api.get<Job>(`/v1/jobs/${jobId}`);
        if (!live) return;
        setJob(next);
        if (next.status === 'succeeded' || next.status === 'failed') return onDone?.(next);
      } catch (e) {
        if (live) setLost((e as Error).message);
      }
      if (live && Date.now() < until) timer = setTimeout(poll, 300);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [jobId]);

  const { done = 0, total = 0 } = job?.progress ?? {};
  return (
    <div class="job">
      <label>
        Import progress
        <progress max={total || 1} value={job?.status === 'succeeded' ? total || 1 : done} />
      </label>
      <p role="status" class="muted">
        {!job && 'Waiting for the job…'}
        {job && job.status !== 'failed' && `${job.status} — ${done} of ${total}`}
        {job?.status === 'failed' && <span class="field-error">Failed: {job.error}</span>}
        {job?.status === 'succeeded' && job.result && ` (${summary(job.result)})`}
      </p>
      {lost && <p class="problem">{lost}</p>}
    </div>
  );
}

function summary(result: Record<string, unknown>): string {
  return Object.entries(result)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}
