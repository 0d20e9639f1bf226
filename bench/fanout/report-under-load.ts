/** Prints the "under load" section of `bench:fanout` (see under-load.ts). */
import type { ImportResult } from './members-import.ts';
import type { FanOutResult } from './sends.ts';
import { percentile } from './under-load.ts';

export interface UnderLoadFigures {
  subscribers: number;
  database: string;
  /** Single-user sends with nothing else running (ms each). */
  idle: number[];
  /** The broadcast with nothing else running. */
  fanOut: FanOutResult;
  /** Single-user sends made one after another while the same broadcast ran again. */
  underLoad: { latencies: number[]; result: FanOutResult };
  underImport?: { import: ImportResult; fanOut: FanOutResult; latencies: number[] } | undefined;
  /** Server CPU seconds per idle single-user send, all threads and the main thread (null off Linux). */
  sendCpu?: { server: number | null; mainThread: number | null } | undefined;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const p50p99 = (values: number[]) =>
  `p50 ${int(percentile(values, 50))} ms, p99 ${int(percentile(values, 99))} ms`;

export function reportUnderLoad(f: UnderLoadFigures): void {
  const busy = f.underLoad.result;
  const loss = 1 - busy.msgsPerSecond / f.fanOut.msgsPerSecond;
  const lines = [
    `Under load — ${f.database}, broadcast to ${int(f.subscribers)}, single-user sends to subscribers of their own`,
    `  single-user send, idle            ${p50p99(f.idle)}   (${f.idle.length} sequential sends)`,
    `  single-user send, during fan-out  ${p50p99(f.underLoad.latencies)}   (${f.underLoad.latencies.length} sends while it ran; goal p50 ≤ 50 ms, p99 ≤ 250 ms)`,
    `  ratio to idle                     p50 ${(percentile(f.underLoad.latencies, 50) / percentile(f.idle, 50)).toFixed(1)}×, p99 ${(percentile(f.underLoad.latencies, 99) / percentile(f.idle, 99)).toFixed(1)}×`,
    `  fan-out with the sends beside it  ${int(busy.msgsPerSecond)} msgs/s vs ${int(f.fanOut.msgsPerSecond)} alone: ${(100 * loss).toFixed(1)} % throughput lost (goal ≤ 10 %)${busy.complete ? '' : ' — INCOMPLETE'}`,
  ];
  const cpu = f.sendCpu;
  if (cpu?.server != null && cpu.mainThread != null) {
    // On SQLite the database runs on the main thread, which the broadcast needs as well: the
    // sends' main-thread time is what they can take from it (an upper bound of the loss).
    const taken = (f.underLoad.latencies.length * cpu.mainThread) / busy.seconds;
    lines.push(
      `  server CPU per single-user send   ${(1000 * cpu.server).toFixed(1)} ms (main thread ${(1000 * cpu.mainThread).toFixed(1)} ms, idle): the sends beside the broadcast took ≈ ${(100 * taken).toFixed(1)} % of its main thread`,
    );
  }
  if (f.underImport) {
    const { import: imported, fanOut, latencies } = f.underImport;
    const steps = imported.progress.filter(
      (_, i, all) => i % Math.max(1, Math.ceil(all.length / 6)) === 0,
    );
    lines.push(
      `  members import                    ${int(imported.ids)} ids in ${imported.seconds.toFixed(1)} s (${int(imported.ids / imported.seconds)} ids/s, ${imported.status}); progress ${steps.map((s) => `${s.at.toFixed(0)} s: ${int(s.done)}`).join(', ')}`,
      `  fan-out during the import         ${int(fanOut.msgsPerSecond)} msgs/s, ${(fanOut.msgsPerSecond / f.fanOut.msgsPerSecond).toFixed(2)}× alone${fanOut.complete ? '' : ' — INCOMPLETE'}`,
      `  single-user send, during import   ${p50p99(latencies)}   (${latencies.length} sends)`,
    );
  }
  console.log(lines.join('\n'));
}
