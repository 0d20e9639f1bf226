import type { Receipt } from '../../server/src/wire.ts';
import type { QueuedReceipt, ReceiptQueue } from './queue-db.ts';

export interface ReceiptDeps {
  queue: ReceiptQueue;
  fetch(url: string, init: RequestInit): Promise<{ status: number }>;
  uuid(): string;
  /** ms since the epoch */
  now(): number;
  /** Called when a pass leaves receipts behind: ask for a Background Sync. */
  retryLater?(): void;
}

/** Workbox's default maxRetentionTime: past a week a receipt says more about the outage. */
export const MAX_AGE = 7 * 864e5;

/**
 * 2xx: delivered. 4xx: will never succeed, so drop it — except 408 and 429, which clear up.
 * 5xx: keep for the next try.
 */
const settled = (status: number) => status < 500 && status != 408 && status != 429;

/**
 * Receipts go into the IndexedDB queue first, then every pass sends what is queued and deletes
 * each one only after the server has answered it; a network error or a 5xx keeps it for the
 * next push, click, close, `sync` or `online`. Passes run one after another, so no receipt is
 * ever in flight twice from one worker. Each carries an `id`, so the server can drop the
 * repeat if the worker dies between the answer and the delete.
 *
 * @example
 * const receipts = createReceipts({ queue, fetch, uuid, now: Date.now });
 * await receipts.record(`${api}/v1/sites/${site}/receipts`, { deliveryId, kind: 'shown', at });
 */
export function createReceipts(deps: ReceiptDeps) {
  let chain: Promise<boolean> = Promise.resolve(true);

  const post = async (e: QueuedReceipt) =>
    (
      await deps.fetch(e.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: e.id, ...e.receipt }),
        // A request that hangs would hold every later pass behind it.
        signal: AbortSignal.timeout?.(1e4),
      })
    ).status;

  /** One pass over the queue; answers true when nothing is left in it. */
  const pass = async () => {
    let left = false;
    try {
      for (const e of await deps.queue.all()) {
        if (deps.now() - Date.parse(e.receipt.at!) > MAX_AGE) {
          await deps.queue.remove(e.key!);
          continue;
        }
        let status: number;
        try {
          status = await post(e);
        } catch {
          // Offline: the rest would fail the same way.
          left = true;
          break;
        }
        if (settled(status)) await deps.queue.remove(e.key!);
        else left = true;
      }
    } catch {
      left = true; // IndexedDB failed; what is stored stays stored
    }
    if (left) deps.retryLater?.();
    return !left;
  };

  const flush = () => (chain = chain.then(pass, pass));

  return {
    /** Queues a receipt and sends the queue. Answers whether the queue is empty afterwards. */
    async record(url: string, receipt: Receipt) {
      const at = new Date(deps.now()).toISOString();
      const entry: QueuedReceipt = { id: deps.uuid(), url, receipt: { at, ...receipt } };
      try {
        await deps.queue.add(entry);
      } catch {
        // No IndexedDB (some private modes): one direct try beats losing it silently.
        return post(entry).then(settled, () => false);
      }
      return flush();
    },
    flush,
  };
}
