import type { PushAnswer } from '../domain/push-response.ts';
import type { Urgency } from '../domain/content.ts';
import type { Encrypted, EncryptionPool, EncryptItem } from './encryption-pool.ts';
import { createLimiter, type Limiter } from '../queue/limiter.ts';
import type { PushTransport } from './transport/push-transport.ts';
import type { VapidCache, VapidKeys } from './vapid-cache.ts';

export interface PushMessage {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  payload: string;
  vapid: VapidKeys;
  /** When the notification ends; the TTL header is what is left of it when the request leaves. */
  expiresAt: number;
  /** Not sent after this (the delivery's lease ends then, and another worker may take it). */
  sendBy: number;
  /** When set, replaces `sendBy`: the lease's end as renewed while the batch is sending. */
  leaseEnds?: () => number;
  urgency: Urgency;
  topic: string | null;
  /** False once the message is no longer wanted (its notification was cancelled): not sent. */
  wanted?: () => boolean;
  /**
   * An express-lane push: encrypted on `expressPool` (the main thread, not behind a
   * broadcast's chunks queued on the encryption threads) and first in the origin's queue.
   */
  express?: boolean;
}

/** What became of one message. Only `answered` and `unreachable` made a push request. */
export type SendResult =
  | { kind: 'answered'; answer: PushAnswer }
  | { kind: 'unreachable'; error: Error }
  | { kind: 'expired' }
  | { kind: 'late' }
  /** `wanted()` said no when its turn came: no request was made. */
  | { kind: 'withdrawn' }
  /** Not sent because the process is shutting down: its lease is given back at once. */
  | { kind: 'released' }
  | { kind: 'unencryptable'; reason: string }
  /** Preparing or sending this one message threw (a bug or a corrupt row): it alone fails. */
  | { kind: 'crashed'; error: Error };

/** Messages per encryption job: big enough to amortise the thread hop, small enough to overlap. */
const ENCRYPT_CHUNK = 32;

/**
 * Encrypts (RFC 8291 aes128gcm, on the encryption pool) and sends messages with the cached
 * VAPID header (RFC 8292) and the TTL / Urgency / Topic headers of RFC 8030 §5.2–5.4, at
 * most `concurrency` requests in flight per push-service origin.
 *
 * @example
 * const sender = createPushSender({ transport, vapid, pool, clock: Date.now, concurrency: 100 });
 * const [result] = await sender.sendMany([message]);
 */
export function createPushSender(deps: {
  transport: PushTransport;
  vapid: VapidCache;
  pool: EncryptionPool;
  /** Encrypts express messages; default `pool`. */
  expressPool?: EncryptionPool;
  clock: () => number;
  concurrency: number;
}) {
  const limiters = new Map<string, Limiter>();
  let stopping = false;

  async function dispatch(message: PushMessage, body: Buffer): Promise<SendResult> {
    const { endpoint } = message.subscription;
    // Parsed once here; the transport reuses it.
    const url = new URL(endpoint);
    const origin = url.origin;
    let limiter = limiters.get(origin);
    if (!limiter) limiters.set(origin, (limiter = createLimiter(deps.concurrency)));
    await limiter.acquire(message.express === true);
    try {
      // Shutting down: requests already on the wire finish, the ones still queued behind
      // the limiter are handed back instead of holding up the exit.
      if (stopping) return { kind: 'released' };
      // Checked when the request leaves, not when it was queued: never send after the TTL.
      const now = deps.clock();
      if (now >= message.expiresAt) return { kind: 'expired' };
      if (now >= (message.leaseEnds?.() ?? message.sendBy)) return { kind: 'late' };
      // A batch waits its turn behind the origin's limit: a cancel meanwhile stops the rest.
      if (message.wanted && !message.wanted()) return { kind: 'withdrawn' };
      const headers: Record<string, string | number> = {
        'content-type': 'application/octet-stream',
        'content-encoding': 'aes128gcm',
        'content-length': body.length,
        // RFC 8030 §5.2: the TTL left, so a retry never outlives the notification.
        ttl: Math.floor((message.expiresAt - now) / 1000),
        urgency: message.urgency,
        authorization: deps.vapid.header(message.vapid, origin),
      };
      if (message.topic) headers.topic = message.topic;
      const answer = await deps.transport.send({ endpoint, url, headers, body });
      return { kind: 'answered', answer };
    } catch (error) {
      return { kind: 'unreachable', error: error as Error };
    } finally {
      limiter.release();
    }
  }

  return {
    /**
     * Sends every message; results come back in input order and the promise never rejects
     * (unless `onResult` throws: then with its first error, once every message is settled).
     * Encryption runs a chunk ahead of the network, so both overlap. `onResult` hears of each
     * message as soon as it is settled (the worker records outcomes as they come).
     */
    sendMany(
      messages: readonly PushMessage[],
      onResult?: (index: number, result: SendResult) => void,
    ): Promise<SendResult[]> {
      const results = new Array<SendResult>(messages.length);
      if (messages.length === 0) return Promise.resolve(results);
      // One promise per message (its request), not a chain of them: at thousands of messages
      // a second, every promise and closure per message shows in the main thread's CPU.
      return new Promise((resolve, reject) => {
        let left = messages.length;
        let failure: unknown;
        const settle = (index: number, result: SendResult) => {
          results[index] = result;
          try {
            onResult?.(index, result);
          } catch (error) {
            failure ??= error;
          }
          if (--left === 0) {
            if (failure === undefined) resolve(results);
            else reject(failure as Error);
          }
        };
        for (let start = 0; start < messages.length; start += ENCRYPT_CHUNK) {
          const end = Math.min(start + ENCRYPT_CHUNK, messages.length);
          const pool = messages[start]?.express ? (deps.expressPool ?? deps.pool) : deps.pool;
          const items: EncryptItem[] = [];
          for (let i = start; i < end; i++) {
            const { subscription, payload } = messages[i] as PushMessage;
            items.push({
              p256dh: subscription.keys.p256dh,
              auth: subscription.keys.auth,
              plaintext: payload,
            });
          }
          let bodies: Promise<Encrypted[]>;
          try {
            bodies = pool.encrypt(items);
          } catch (error) {
            bodies = Promise.reject(error as Error);
          }
          bodies.then(
            (encrypted) => {
              for (let i = start; i < end; i++) {
                // One message that throws must not hold back or fail the others.
                try {
                  const body = encrypted[i - start];
                  if (Buffer.isBuffer(body)) {
                    dispatch(messages[i] as PushMessage, body).then(
                      (result) => settle(i, result),
                      (error: Error) => settle(i, { kind: 'crashed', error }),
                    );
                  } else {
                    settle(i, { kind: 'unencryptable', reason: body?.error ?? 'not encrypted' });
                  }
                } catch (error) {
                  settle(i, { kind: 'crashed', error: error as Error });
                }
              }
            },
            // A crashed encryption thread: try again later, like a network error.
            (error: Error) => {
              for (let i = start; i < end; i++) settle(i, { kind: 'unreachable', error });
            },
          );
        }
      });
    },
    /** Makes no new request: queued messages come back `released` (graceful shutdown). */
    stop(): void {
      stopping = true;
    },
    resume(): void {
      stopping = false;
    },
  };
}

export type PushSender = ReturnType<typeof createPushSender>;
