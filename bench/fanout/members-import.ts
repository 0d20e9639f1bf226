/**
 * A members import through the API: `POST /v1/audiences/{id}/members` with `n` externalIds,
 * timed from the call to the job's success, with the progress the job showed on the way.
 */
import type { ServerProcess } from './server-process.ts';

export interface ImportResult {
  ids: number;
  seconds: number;
  /** Seconds after the call, and ids done then, as `GET /v1/jobs/{id}` showed them. */
  progress: Array<{ at: number; done: number }>;
  status: string;
}

export async function importMembers(
  server: ServerProcess,
  apiKey: string,
  n: number,
  opts: { timeoutMs?: number } = {},
): Promise<ImportResult> {
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      signal: AbortSignal.timeout(120_000),
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: Error) => {
      throw new Error(`${path}: ${error.message} (${String(error.cause)})`);
    });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, any>;
  };
  const audience = await call('/v1/audiences', { name: `Import ${n}` });
  const ids = Array.from({ length: n }, (_, i) => `member-${i}`);
  const startedAt = Date.now();
  const { jobId } = await call(`/v1/audiences/${audience.id}/members`, { add: ids });
  const progress: ImportResult['progress'] = [];
  const deadline = startedAt + (opts.timeoutMs ?? 600_000);
  let job: Record<string, any> = {};
  while (Date.now() < deadline) {
    // A poll may meet a keep-alive socket the server just closed: ask again.
    const askedAt = Date.now();
    job = await call(`/v1/jobs/${jobId}`).catch(() => call(`/v1/jobs/${jobId}`));
    if (process.env.BENCH_DEBUG) process.stderr.write(`poll ${Date.now() - askedAt} ms\n`);
    progress.push({ at: (Date.now() - startedAt) / 1000, done: Number(job.progress?.done ?? 0) });
    if (job.status === 'succeeded' || job.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ids: n, seconds: (Date.now() - startedAt) / 1000, progress, status: job.status };
}
