interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the items of many requests are written by one atomic `write(items)` (one
 * transaction, or one statement), and each request's promise settles only after it has
 * committed — an answer never promises what a crash could still take back. While one group
 * commits, the next gathers, so a lone request waits for nobody and a busy server pays one
 * commit (one fsync and a handful of round trips on PostgreSQL) per group, not per request.
 *
 * A group that fails is written again one item at a time, so one request's error (a bug, a
 * constraint, a deadlock) fails that request alone. `write` must therefore write all or
 * nothing, and answer one output per item, in order.
 *
 * @example
 * const submit = createGroupCommit((rows) =>
 *   store.transaction((tx) => tx.events.insert(rows, Date.now())),
 * );
 * await submit(row);
 */
export function createGroupCommit<I, O>(
  write: (items: I[]) => Promise<O[]>,
  opts: { maxGroup?: number } = {},
) {
  const maxGroup = opts.maxGroup ?? 256;
  const queue: Array<Pending<I, O>> = [];
  let running = false;
  let scheduled = false;

  async function commit(group: Array<Pending<I, O>>): Promise<void> {
    let results: O[];
    try {
      results = await write(group.map((p) => p.item));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const pending of group) await commit([pending]);
      return;
    }
    group.forEach((pending, i) => pending.resolve(results[i]!));
  }

  /**
   * Groups start on the next turn of the event loop, after its I/O callbacks: on SQLite a
   * whole transaction runs in microtasks, so starting at once would commit every request
   * alone before the next request's bytes were even read.
   */
  function schedule(): void {
    if (scheduled || running || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => void drain());
  }

  async function drain(): Promise<void> {
    scheduled = false;
    running = true;
    try {
      await commit(queue.splice(0, maxGroup));
    } finally {
      running = false;
    }
    schedule();
  }

  return function submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      schedule();
    });
  };
}
