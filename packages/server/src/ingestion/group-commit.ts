import type { Store } from '../storage/store.ts';

interface Pending {
  work: (tx: Store) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the work of many requests runs in one transaction, one after another, and
 * each request's promise settles only after that transaction has committed — an answer
 * never promises what a crash could still take back. While one group commits, the next
 * gathers, so a lone request waits for nobody and a busy server pays one commit (one fsync
 * on PostgreSQL) per group instead of per request.
 *
 * A group that fails is retried one request at a time, so one request's error (a bug, a
 * constraint, a deadlock) fails that request alone. `work` must therefore only write through
 * `tx` and keep its side effects for after the promise resolves.
 *
 * @example const commit = createGroupCommit(store); await commit((tx) => tx.events.insert(rows, now));
 */
export function createGroupCommit(store: Store, opts: { maxGroup?: number } = {}) {
  const maxGroup = opts.maxGroup ?? 256;
  let queue: Pending[] = [];
  let running = false;

  async function commit(group: Pending[]): Promise<void> {
    let results: unknown[];
    try {
      results = await store.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const item of group) out.push(await item.work(tx));
        return out;
      });
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const item of group) await commit([item]);
      return;
    }
    group.forEach((item, i) => item.resolve(results[i]));
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const group = queue.slice(0, maxGroup);
        queue = queue.slice(group.length);
        await commit(group);
      }
    } finally {
      running = false;
    }
  }

  return function submit<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!running) void drain();
    });
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
