/**
 * The "under load" section of `bench:fanout`: single-user sends made one after another while
 * other work runs — a broadcast, a members import — against the same sends when idle, and
 * what the sends (or the import) cost the broadcast.
 */
import { sendOne, type SendContext } from './sends.ts';

type Target = { subscriberId: string; pushId: string };

/** Sequential single-user sends for as long as `work` runs (at most `max`), then its result. */
export async function singlesDuring<T>(
  ctx: SendContext,
  targets: readonly Target[],
  work: Promise<T>,
  max = 5_000,
): Promise<{ latencies: number[]; result: T }> {
  let running = true;
  const settled = work.finally(() => (running = false));
  const latencies: number[] = [];
  for (let i = 0; running && i < max; i++) {
    latencies.push(await sendOne(ctx, targets[i % targets.length] as Target));
  }
  return { latencies, result: await settled };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
