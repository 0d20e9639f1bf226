import { Worker } from 'node:worker_threads';
import { createAes128gcmEncrypter, encryptedLength } from './aes128gcm.js';

export interface EncryptItem {
  /** The subscriber's keys as stored: base64url (RFC 8291 §3.2). */
  p256dh: string;
  auth: string;
  plaintext: string;
}

/** The aes128gcm body, or why it could not be made (a p256dh that is not on the curve). */
export type Encrypted = Buffer | { error: string };

export interface EncryptionPool {
  /** Encrypts one chunk of messages on the least busy thread; results are in input order. */
  encrypt(items: readonly EncryptItem[]): Promise<Encrypted[]>;
  /** Stops the threads; pending chunks reject. The pool starts them again when next used. */
  close(): Promise<void>;
}

interface Reply {
  id: number;
  body: ArrayBuffer;
  lengths: number[];
  errors: Array<string | null>;
}

interface Thread {
  worker: Worker;
  /** Messages sent to it and not yet answered: the load the next chunk is balanced on. */
  load: number;
  pending: Map<number, { size: number; resolve(r: Encrypted[]): void; reject(e: Error): void }>;
}

const WORKER_URL = new URL('./encryption-worker.js', import.meta.url);

/**
 * Spreads RFC 8291 encryption over worker threads. The ECDH in every message (~150 µs) is
 * most of a push's CPU cost, so a server with one thread per core sends about cores × as
 * many messages a second. `threads: 0` encrypts on the calling thread instead.
 *
 * @example
 * const pool = createEncryptionPool({ threads: 2 });
 * const [body] = await pool.encrypt([{ p256dh, auth, plaintext: '{"title":"Hi"}' }]);
 */
export function createEncryptionPool(options: { threads: number }): EncryptionPool {
  let threads: Thread[] = [];
  let nextId = 0;
  const inline = options.threads > 0 ? undefined : createAes128gcmEncrypter();

  function spawn(): Thread {
    // No inherited --import/--require: the worker is plain JavaScript and needs no loader
    // (tsx would cost it ~40 MB and 200 ms; a preload written in TypeScript would not load).
    const worker = new Worker(WORKER_URL, { execArgv: [] });
    const thread: Thread = { worker, load: 0, pending: new Map() };
    // An idle pool must not keep the process alive; a busy one must (see `encrypt`).
    thread.worker.unref();
    thread.worker.on('message', (reply: Reply) => {
      const job = thread.pending.get(reply.id);
      if (!job) return;
      thread.pending.delete(reply.id);
      thread.load -= job.size;
      if (thread.load === 0) thread.worker.unref();
      job.resolve(unpack(reply));
    });
    const fail = (error: Error) => {
      threads = threads.filter((t) => t !== thread);
      for (const job of thread.pending.values()) job.reject(error);
      thread.pending.clear();
    };
    thread.worker.on('error', fail);
    thread.worker.on('exit', (code) => fail(new Error(`encryption thread exited (${code})`)));
    return thread;
  }

  function leastBusy(): Thread {
    while (threads.length < options.threads) threads.push(spawn());
    return threads.reduce((best, t) => (t.load < best.load ? t : best));
  }

  return {
    encrypt(items) {
      if (items.length === 0) return Promise.resolve([]);
      if (inline) return Promise.resolve(items.map((item) => encryptOne(inline, item)));
      const thread = leastBusy();
      const id = nextId++;
      if (thread.load === 0) thread.worker.ref();
      thread.load += items.length;
      return new Promise((resolve, reject) => {
        thread.pending.set(id, { size: items.length, resolve, reject });
        thread.worker.postMessage({
          id,
          p256dh: items.map((i) => i.p256dh),
          auth: items.map((i) => i.auth),
          plaintext: items.map((i) => i.plaintext),
        });
      });
    },
    async close() {
      const stopping = threads;
      threads = [];
      await Promise.all(stopping.map((t) => t.worker.terminate()));
    },
  };
}

function unpack(reply: Reply): Encrypted[] {
  let offset = 0;
  return reply.lengths.map((length, i) => {
    if (length === 0) return { error: reply.errors[i] ?? 'encryption failed' };
    const body = Buffer.from(reply.body, offset, length);
    offset += length;
    return body;
  });
}

function encryptOne(
  encrypt: ReturnType<typeof createAes128gcmEncrypter>,
  item: EncryptItem,
): Encrypted {
  const plaintext = Buffer.from(item.plaintext, 'utf8');
  const out = Buffer.allocUnsafe(encryptedLength(plaintext.length));
  try {
    const p256dh = Buffer.from(item.p256dh, 'base64url');
    encrypt(p256dh, Buffer.from(item.auth, 'base64url'), plaintext, out, 0);
    return out;
  } catch (error) {
    return { error: (error as Error).message };
  }
}
