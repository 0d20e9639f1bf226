/**
 * One autocannon run: `connections` clients for `seconds`, each request made by `next()`
 * (its body, and an id to remember if the answer is 2xx). Returns the figures the report
 * prints and the ids of every request answered 2xx (what must be in the database).
 */
import autocannon from 'autocannon';
import { cpuSeconds } from '../fanout/cpu-time.ts';

export interface LoadFigures {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU the server process used per request, in µs (null where /proc is unreadable). */
  cpuMicros: number | null;
}

export async function load(opts: {
  label: string;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** A body and the ids it carries; called once per request. */
  next?: () => { body: string; ids?: string[] };
  accepted?: Set<string>;
  /** The server's process, whose CPU is counted. */
  pid?: number;
  /** Seconds of the same load first, not measured: the JIT settles (Beckon's code is larger). */
  warmUp?: number;
}): Promise<LoadFigures> {
  if (opts.warmUp)
    await load({ ...opts, label: `${opts.label} (warm-up)`, seconds: opts.warmUp, warmUp: 0 });
  let firstFailure: string | undefined;
  const cpuBefore = cpuSeconds(opts.pid);
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    requests: [
      {
        method: opts.method,
        headers: opts.headers ?? {},
        setupRequest(request, context) {
          if (!opts.next) return request;
          const { body, ids } = opts.next();
          context.ids = ids;
          return { ...request, body };
        },
        onResponse(status, body, context) {
          if (status >= 200 && status < 300) {
            for (const id of (context.ids as string[] | undefined) ?? []) opts.accepted?.add(id);
          } else firstFailure ??= `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const cpuAfter = cpuSeconds(opts.pid);
  const total = result.requests.total;
  if (firstFailure) process.stderr.write(`${opts.label}: first failure: ${firstFailure}\n`);
  return {
    label: opts.label,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
    cpuMicros:
      cpuBefore === null || cpuAfter === null || total === 0
        ? null
        : Math.round(((cpuAfter - cpuBefore) * 1e6) / total),
  };
}
