// In-memory stand-ins for the unit tests (the real IndexedDB path runs in Chromium e2e).
import type { MetaStore, QueuedReceipt, ReceiptQueue } from './queue-db.ts';

export function memoryQueue(): ReceiptQueue & { rows: QueuedReceipt[] } {
  let next = 1;
  const rows: QueuedReceipt[] = [];
  return {
    rows,
    async add(entry) {
      rows.push({ ...structuredClone(entry), key: next++ });
    },
    async all() {
      return structuredClone(rows);
    },
    async remove(key) {
      const i = rows.findIndex((r) => r.key == key);
      if (i >= 0) rows.splice(i, 1);
    },
  };
}

export function memoryMeta(
  init: Record<string, string> = {},
): MetaStore & { data: Record<string, string> } {
  const data = { ...init };
  return {
    data,
    async get(key) {
      return data[key];
    },
    async set(key, value) {
      data[key] = value;
    },
  };
}

export interface Call {
  url: string;
  method: string;
  body: unknown;
}

/**
 * A fetch that records calls and answers from `reply` — a status, a JSON body (200), or a
 * thrown error for a network failure.
 */
export function fakeFetch(reply: (call: Call) => number | object | Error = () => 201) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit = {}) => {
    const call = {
      url,
      method: init.method || 'GET',
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    const answer = reply(call);
    if (answer instanceof Error) throw answer;
    const status = typeof answer == 'number' ? answer : 200;
    return { status, ok: status < 300, json: async () => answer };
  };
  return { fetch, calls };
}

/** A promise with its resolve outside, to control when things happen. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
