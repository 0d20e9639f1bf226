import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Receipt } from '../../server/src/wire.ts';

// The page and the worker share the origin's IndexedDB; the prefix keeps us out of the site's way.
export const DB_NAME = 'beckon-sw';
export const DB_VERSION = 1;
const RECEIPTS = 'receipts';
const META = 'meta';

/** A receipt waiting to be POSTed. `key` orders the queue; `id` lets the server dedupe. */
export interface QueuedReceipt {
  key?: number;
  id: string;
  url: string;
  /** `at` is always set: the time of the event, not of the send. */
  receipt: Receipt;
}

interface BeckonDb extends DBSchema {
  [RECEIPTS]: { key: number; value: QueuedReceipt };
  [META]: { key: string; value: string };
}

/** The queue as the receipt sender sees it; tests pass an in-memory one. */
export interface ReceiptQueue {
  add(entry: QueuedReceipt): Promise<unknown>;
  /** Oldest first. */
  all(): Promise<QueuedReceipt[]>;
  remove(key: number): Promise<void>;
}

/** Small key-value facts the worker keeps between wake-ups. */
export interface MetaStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<unknown>;
}

function upgrade(db: IDBPDatabase<BeckonDb>, oldVersion: number) {
  if (oldVersion < 1) {
    db.createObjectStore(RECEIPTS, { keyPath: 'key', autoIncrement: true });
    db.createObjectStore(META);
  }
}

/**
 * IndexedDB behind one module, as Workbox's QueueDb: opened lazily on first use, reopened
 * after a failure or when a newer worker version needs the upgrade.
 *
 * @example const { receipts, meta } = createQueueDb(); await receipts.add(entry);
 */
export function createQueueDb(): { receipts: ReceiptQueue; meta: MetaStore } {
  let db: Promise<IDBPDatabase<BeckonDb>> | undefined;
  const getDb = () =>
    (db ||= openDB<BeckonDb>(DB_NAME, DB_VERSION, {
      upgrade,
      // A newer worker wants to upgrade: let go, and reopen on next use.
      blocking: () => {
        db?.then((d) => d.close());
        db = undefined;
      },
    }).catch((e) => {
      db = undefined;
      throw e;
    }));

  return {
    receipts: {
      add: async (entry) => (await getDb()).add(RECEIPTS, entry),
      all: async () => (await getDb()).getAll(RECEIPTS),
      remove: async (key) => (await getDb()).delete(RECEIPTS, key),
    },
    meta: {
      get: async (key) => (await getDb()).get(META, key),
      set: async (key, value) => (await getDb()).put(META, value, key),
    },
  };
}
