/**
 * The local push service (test/support/push-service) in a process of its own, HTTPS with
 * HTTP/2, verifying VAPID on every request and decrypting one message in `decryptEvery`.
 * The bench drives it over IPC (see `ipc.ts`).
 */
import {
  createLocalPushService,
  type LocalPushService,
  type ReceivedMessage,
  type VirtualSubscriber,
} from '../../test/support/push-service/index.ts';
import { answerCalls } from './ipc.ts';

let service: LocalPushService | undefined;
let subscribers: VirtualSubscriber[] = [];
const distinct = new Set<string>();
/** The broadcasts' subscribers: the ones after them get only single-user sends. */
let broadcastIds = new Set<string>();
let lastArrival = 0;
const arrivals = new Map<string, (at: number) => void>();
/**
 * A single-user subscriber's last push that came before anyone asked for it: the `arrival`
 * request travels over IPC while the send goes over HTTP, and a fast send can win the race.
 * One entry per single-user subscriber at most (broadcast subscribers are not kept).
 */
const unclaimed = new Map<string, number>();

function onMessage(message: ReceivedMessage): void {
  if (broadcastIds.has(message.subscriberId)) {
    distinct.add(message.subscriberId);
    lastArrival = Math.max(lastArrival, message.receivedAt);
  }
  const waiting = arrivals.get(message.subscriberId);
  if (waiting) {
    arrivals.delete(message.subscriberId);
    waiting(message.receivedAt);
  } else if (!broadcastIds.has(message.subscriberId)) {
    unclaimed.set(message.subscriberId, message.receivedAt);
  }
}

function started(): LocalPushService {
  if (!service) throw new Error('call start first');
  return service;
}

export const handlers = {
  /** `broadcast`: how many of the `subscribers` the broadcasts go to (default all). */
  async start(options: { decryptEvery: number; subscribers: number; broadcast?: number }) {
    service = await createLocalPushService({
      protocol: 'https',
      decryptEvery: options.decryptEvery,
      onMessage,
    });
    subscribers = service.createSubscribers(options.subscribers);
    broadcastIds = new Set(subscribers.slice(0, options.broadcast).map((s) => s.id));
    return { origin: service.origin, ca: service.ca ?? '' };
  },
  /** A slice of the subscriptions, in pages so no IPC message gets huge. */
  subscribers(range: { from: number; to: number }) {
    return subscribers.slice(range.from, range.to);
  },
  reset() {
    started().reset();
    distinct.clear();
    unclaimed.clear();
    lastArrival = 0;
  },
  /**
   * Resolves with the `Date.now()` at which the next message for this subscriber arrived
   * at or after `since` (the sender's clock before its API call: same machine).
   */
  arrival({ subscriberId, since }: { subscriberId: string; since: number }) {
    const early = unclaimed.get(subscriberId);
    unclaimed.delete(subscriberId);
    if (early !== undefined && early >= since) return Promise.resolve(early);
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message for ${subscriberId}`)), 10_000);
      arrivals.set(subscriberId, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  },
  progress() {
    return { distinct: distinct.size, messages: started().messages.length, lastArrival };
  },
  /** Every accepted message, and the decrypted ones checked against what was sent. */
  verify(expected: { title: string }) {
    const { messages, rejected } = started();
    const decrypted = messages.filter((m) => m.decrypted);
    const intact = decrypted.filter((m) => {
      // Declarative Web Push: the title is the notification's, the delivery id in its data.
      const { notification } = JSON.parse(m.payload) as {
        notification?: { title?: string; data?: { deliveryId?: string } };
      };
      return (
        notification?.title === expected.title && typeof notification.data?.deliveryId === 'string'
      );
    });
    return {
      messages: messages.length,
      distinct: distinct.size,
      rejected: rejected.length,
      firstRejection: rejected[0] ? `${rejected[0].status} ${rejected[0].reason}` : null,
      decrypted: decrypted.length,
      intact: intact.length,
      httpVersions: [...new Set(messages.map((m) => m.httpVersion))],
    };
  },
  async close() {
    await service?.close();
    setImmediate(() => process.exit(0));
  },
};

answerCalls(handlers);
