/**
 * Group commit for delivery outcomes: outcomes are written as they come in, a group at a
 * time — when `maxRows` are waiting, or `maxDelayMs` after the first one — one write in
 * progress at once, the next group gathering meanwhile. So a `kill -9` loses (and the next
 * worker repeats) only the requests in flight and the few outcomes not yet committed,
 * instead of everything a 500-delivery batch sent.
 *
 * @example
 * const recorder = createOutcomeRecorder({ write: (rows) => store.deliveries.record(rows, …) });
 * recorder.add([{ delivery, result }]);
 * await recorder.drain(); // everything added is written
 */
export function createOutcomeRecorder<T>(deps: {
  write: (rows: T[]) => Promise<void>;
  /** Default 32 outcomes. */
  maxRows?: number;
  /**
   * Default 20 ms: at a fan-out's few thousand answers a second a group then fills to
   * `maxRows` before its timer, and each group costs a transaction and the same five
   * statements whatever its size (5 ms made groups of ~20 and cost ~40 % more per outcome).
   */
  maxDelayMs?: number;
}) {
  const maxRows = deps.maxRows ?? 32;
  const maxDelayMs = deps.maxDelayMs ?? 20;
  let waiting: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | undefined;

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    // The write in progress starts the next group when it ends.
    if (writing || waiting.length === 0) return;
    const group = waiting;
    waiting = [];
    writing = deps.write(group).finally(() => {
      writing = undefined;
      if (waiting.length >= maxRows) flush();
      else if (waiting.length > 0) timer ??= setTimeout(flush, maxDelayMs);
    });
  }

  return {
    add(rows: readonly T[]): void {
      if (rows.length === 0) return;
      waiting.push(...rows);
      if (waiting.length >= maxRows) flush();
      else timer ??= setTimeout(flush, maxDelayMs);
    },
    /** Writes what waits now and resolves once every outcome added so far is written. */
    async drain(): Promise<void> {
      while (waiting.length > 0 || writing) {
        flush();
        await writing;
      }
    },
  };
}

export type OutcomeRecorder<T> = ReturnType<typeof createOutcomeRecorder<T>>;
