/** Prints one run's figures as the README quotes them. */
import type { FanOutResult } from './sends.ts';

export interface Figures {
  subscribers: number;
  database: string;
  decryptEvery: number;
  fanOut: FanOutResult;
  /** The same fan-out with the site capped at `{perDay: 5}`. */
  capped: FanOutResult;
  naive: {
    messages: number;
    failed: number;
    seconds: number;
    checks: { distinct: number; rejected: number; decrypted: number; intact: number };
  };
  floor: { msgsPerSecond: number; threads: number; cpuMicrosPerMessage: number };
  cores: number;
  /** Milliseconds per single-user trigger. */
  triggers: number[];
  memory: { peakRssBytes: number; peakHeapBytes: number };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${int(bytes / 2 ** 20)} MB`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function report(f: Figures): void {
  const naiveRate = f.naive.messages / f.naive.seconds;
  const latencies = [...f.triggers].sort((a, b) => a - b);
  const c = f.fanOut.checks;
  const lines = [
    `Beckon fan-out — ${int(f.subscribers)} subscribers, ${f.database}, local push service over HTTPS + HTTP/2 (VAPID verified on every message, 1 in ${f.decryptEvery} decrypted)`,
    `  fan-out (beckon serve)        ${int(f.fanOut.msgsPerSecond).padStart(7)} msgs/s   ${int(f.subscribers)} in ${f.fanOut.seconds.toFixed(2)} s, API call to last arrival`,
    `  capped fan-out (perDay 5)     ${int(f.capped.msgsPerSecond).padStart(7)} msgs/s   ${int(f.subscribers)} in ${f.capped.seconds.toFixed(2)} s, ${(f.capped.msgsPerSecond / f.fanOut.msgsPerSecond).toFixed(2)} × uncapped (goal ≥ 0.85 ×); delivered ${int(f.capped.counts.delivered ?? 0)}, capped ${int(f.capped.counts.capped ?? 0)}`,
    `  naive web-push loop           ${int(naiveRate).padStart(7)} msgs/s   ${int(f.naive.messages)} sendNotification calls, 100 in flight`,
    `  ratio                         ${(f.fanOut.msgsPerSecond / naiveRate).toFixed(1).padStart(7)} ×`,
    `  crypto floor (${f.floor.threads} threads)      ${int(f.floor.msgsPerSecond).padStart(7)} msgs/s   encryption alone; fan-out is ${Math.round((100 * f.fanOut.msgsPerSecond) / f.floor.msgsPerSecond)} % of it`,
    cpuLine(f, f.fanOut, 'CPU per message       '),
    cpuLine(f, f.capped, '  capped run (warm)   '),
    `  single-user trigger           p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms   (${latencies.length} sequential sends, API call to push request)`,
    `  server peak memory            RSS ${mb(f.memory.peakRssBytes)}, main-thread heap ${mb(f.memory.peakHeapBytes)}`,
    `  checks                        ${int(c.distinct)}/${int(f.subscribers)} subscribers received, ${c.rejected} refused, ${c.intact}/${c.decrypted} sampled messages decrypted to the campaign's; ` +
      `server counts delivered ${int(f.fanOut.counts.delivered ?? 0)}, failed ${f.fanOut.counts.failed ?? 0}; ` +
      `naive: ${int(f.naive.checks.distinct)} received, ${f.naive.failed} failed`,
    f.fanOut.complete && f.capped.complete ? '  OK' : '  INCOMPLETE: see checks',
  ];
  console.log(lines.join('\n'));
}

/**
 * Where a message's CPU goes in one run, and what that allows on this machine's cores. The
 * first fan-out also pays the server's warm-up (JIT compiles on V8's helper threads); the
 * capped run comes second, on a warm server, as a long-running deployment sends.
 */
function cpuLine(f: Figures, run: FanOutResult, label: string): string {
  const { server, serverMainThread, pushService, database } = run.cpu;
  if (server === null || serverMainThread === null || pushService === null) {
    return `  ${label}        (needs Linux /proc)`;
  }
  const perMessage = (seconds: number) => (seconds * 1e6) / f.subscribers;
  const [s, main, p] = [perMessage(server), perMessage(serverMainThread), perMessage(pushService)];
  const db = database === null ? 0 : perMessage(database);
  const ceiling = (f.cores * 1e6) / (s + p + db);
  const encryption = f.floor.cpuMicrosPerMessage;
  return (
    `  ${label}        server ${int(s)} µs = ${(s / encryption).toFixed(2)} × encryption alone ` +
    `${int(encryption)} µs (goal ≤ 1.5 ×; main thread ${int(main)}, other threads ${int(s - main)})` +
    (database === null ? '' : `, PostgreSQL ${int(db)} µs`) +
    `, push service ${int(p)} µs → ${f.cores} cores allow at most ${int(ceiling)} msgs/s with all of them on this machine`
  );
}
