/**
 * Group commit for delivery outcomes: outcomes are written as they come in, a group at a
 * time — when `maxRows` are waiting, or `maxDelayMs` after the first one — one write in
 * progress at once, the next group gathering meanwhile. So a `kill -9` loses (and the next
 * worker repeats) only the requests in flight and the few outcomes not yet committed,
 * instead of everything a 500-delivery batch sent. One recorder serves every batch in
 * flight: two batches sending side by side share groups (and their commits).
 *
 * @example
 * const recorder = createOutcomeRecorder({ write: (rows) => store.deliveries.record(rows, …) });
 * recorder.add([{ delivery, result }]);
 * await recorder.drain(); // everything added so far is written
 */
export function createOutcomeRecorder<T>(deps: {
  /** Writes a group; expected not to reject (the worker records a failed group row by row). */
  write: (rows: T[]) => Promise<void>;
  /**
   * Default 64 outcomes. Each group costs a transaction and the same few statements whatever
   * its size (on SQLite its commit writes every page it touched): recording cost 62–68 µs of
   * CPU an outcome in groups of 32, 27–35 in groups of 128 (issue 14). A `kill -9` repeats
   * up to this many answered outcomes besides the requests in flight, so the group stays at
   * a few dozen (issue 11's bound) and is shared by every batch in flight to fill it sooner.
   */
  maxRows?: number;
  /** Default 20 ms after a group's first outcome: a quiet worker still records at once. */
  maxDelayMs?: number;
}) {
  const maxRows = deps.maxRows ?? 64;
  const maxDelayMs = deps.maxDelayMs ?? 20;
  let waiting: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | undefined;
  /** Rows added and rows written so far: groups are written in order, so a count will do. */
  let added = 0;
  let written = 0;
  const drains: Array<{ upTo: number; done: (error?: unknown) => void }> = [];

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    // The write in progress starts the next group when it ends.
    if (writing || waiting.length === 0) return;
    const group = waiting;
    waiting = [];
    writing = deps.write(group).then(
      () => wrote(group.length),
      (error: unknown) => wrote(group.length, error),
    );
  }

  function wrote(rows: number, error?: unknown): void {
    writing = undefined;
    written += rows;
    for (let i = drains.length - 1; i >= 0; i--) {
      const drain = drains[i] as (typeof drains)[number];
      if (error === undefined && drain.upTo > written) continue;
      drains.splice(i, 1);
      drain.done(error);
    }
    // A batch waiting for its rows does not wait for the timer.
    if (waiting.length >= maxRows || drains.length > 0) flush();
    else if (waiting.length > 0) timer ??= setTimeout(flush, maxDelayMs);
  }

  return {
    add(rows: readonly T[]): void {
      if (rows.length === 0) return;
      for (const row of rows) waiting.push(row);
      added += rows.length;
      if (waiting.length >= maxRows) flush();
      else timer ??= setTimeout(flush, maxDelayMs);
    },
    /**
     * Resolves once every outcome added so far is written (rows other batches add later are
     * not waited for), writing what waits now rather than after `maxDelayMs`.
     */
    drain(): Promise<void> {
      if (written >= added) return Promise.resolve();
      const upTo = added;
      return new Promise<void>((resolve, reject) => {
        drains.push({ upTo, done: (error) => (error === undefined ? resolve() : reject(error)) });
        flush();
      });
    },
  };
}

export type OutcomeRecorder<T> = ReturnType<typeof createOutcomeRecorder<T>>;
