import { describe, expect, it, vi } from 'vitest';
import type { Receipt } from '../../server/src/wire.ts';
import { createReceipts, MAX_AGE } from './receipts.ts';
import { deferred, fakeFetch, memoryQueue, type Call } from './test-fakes.ts';

const URL_ = 'https://push.example/v1/sites/pk_1/receipts';
const NOW = Date.UTC(2025, 4, 14, 7, 30);
const shown = (deliveryId: string): Receipt => ({ deliveryId, kind: 'shown' });

const setup = (reply?: (call: Call) => number | object | Error) => {
  const queue = memoryQueue();
  const net = fakeFetch(reply);
  const retryLater = vi.fn();
  let n = 0;
  const receipts = createReceipts({
    queue,
    fetch: net.fetch,
    uuid: () => `r${++n}`,
    now: () => NOW,
    retryLater,
  });
  return { receipts, queue, net, retryLater };
};

describe('createReceipts', () => {
  it('POSTs the receipt with its id and event time, and empties the queue on 2xx', async () => {
    const { receipts, queue, net } = setup(() => 202);
    expect(await receipts.record(URL_, { deliveryId: 'd1', kind: 'clicked', action: 'buy' })).toBe(
      true,
    );
    expect(net.calls).toEqual([
      {
        url: URL_,
        method: 'POST',
        body: {
          id: 'r1',
          deliveryId: 'd1',
          kind: 'clicked',
          action: 'buy',
          at: '2025-05-14T07:30:00.000Z',
        },
      },
    ]);
    expect(queue.rows).toEqual([]);
  });

  it('drops a receipt the server refuses with a 4xx, which would never succeed', async () => {
    const { receipts, queue, retryLater } = setup(() => 400);
    expect(await receipts.record(URL_, shown('d1'))).toBe(true);
    expect(queue.rows).toEqual([]);
    expect(retryLater).not.toHaveBeenCalled();
  });

  it('keeps receipts through a network error and a 5xx, and sends them on the next event', async () => {
    let answer: number | Error = new TypeError('Failed to fetch');
    const { receipts, queue, net, retryLater } = setup(() => answer);

    expect(await receipts.record(URL_, shown('d1'))).toBe(false);
    answer = 503;
    expect(await receipts.record(URL_, shown('d2'))).toBe(false);
    expect(queue.rows.map((r) => r.receipt.deliveryId)).toEqual(['d1', 'd2']);
    expect(retryLater).toHaveBeenCalledTimes(2);

    answer = 201;
    expect(await receipts.record(URL_, { deliveryId: 'd3', kind: 'closed' })).toBe(true);
    expect(queue.rows).toEqual([]);
    const sent = net.calls.slice(3).map((c) => (c.body as { id: string }).id);
    expect(sent).toEqual(['r1', 'r2', 'r3']); // oldest first, each with the id it was queued with
  });

  it('keeps a receipt answered 429, which clears up', async () => {
    const { receipts, queue } = setup(() => 429);
    await receipts.record(URL_, shown('d1'));
    expect(queue.rows).toHaveLength(1);
  });

  it('stops a pass at the first network error instead of trying every receipt', async () => {
    let answer: number | Error = 500;
    const { receipts, queue, net } = setup(() => answer);
    await receipts.record(URL_, shown('d1'));
    await receipts.record(URL_, shown('d2'));
    net.calls.length = 0;

    answer = new TypeError('Failed to fetch');
    expect(await receipts.flush()).toBe(false);

    expect(net.calls).toHaveLength(1);
    expect(queue.rows).toHaveLength(2);
  });

  it('never has the same receipt in flight twice when events overlap', async () => {
    const gate = deferred();
    let hold = true;
    // The first POST hangs until the gate opens, while two more events arrive.
    const { queue, net } = setup(() => 201);
    const overlapping = createReceipts({
      queue,
      uuid: (() => {
        let n = 0;
        return () => `x${++n}`;
      })(),
      now: () => NOW,
      fetch: async (url, init) => {
        if (hold) {
          hold = false;
          await gate.promise;
        }
        return net.fetch(url, init);
      },
    });

    const a = overlapping.record(URL_, shown('d1'));
    await new Promise((res) => setTimeout(res, 0));
    const b = overlapping.record(URL_, shown('d2'));
    const c = overlapping.flush();
    gate.resolve();
    await Promise.all([a, b, c]);

    expect(net.calls.map((call) => (call.body as { id: string }).id)).toEqual(['x1', 'x2']);
    expect(queue.rows).toEqual([]);
  });

  it('drops receipts older than MAX_AGE instead of sending them', async () => {
    const { receipts, queue, net } = setup(() => 201);
    queue.rows.push({
      key: 99,
      id: 'old',
      url: URL_,
      receipt: { deliveryId: 'd0', kind: 'shown', at: new Date(NOW - MAX_AGE - 1).toISOString() },
    });
    await receipts.flush();
    expect(net.calls).toEqual([]);
    expect(queue.rows).toEqual([]);
  });

  it('sends directly when IndexedDB is unavailable', async () => {
    const net = fakeFetch(() => 201);
    const receipts = createReceipts({
      queue: {
        add: () => Promise.reject(new Error('InvalidStateError')),
        all: async () => [],
        remove: async () => {},
      },
      fetch: net.fetch,
      uuid: () => 'r1',
      now: () => NOW,
    });
    expect(await receipts.record(URL_, shown('d1'))).toBe(true);
    expect(net.calls).toHaveLength(1);
  });
});
