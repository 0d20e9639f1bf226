import {
  classifyPushAnswer,
  retryAfterNetworkError,
  type PushOutcome,
  type RetryPolicy,
} from '../domain/push-response.ts';
import { payloadFor } from '../domain/payload.ts';
import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import type { Store } from '../storage/store.ts';
import type { PushSender } from './push-sender.ts';

export interface DeliveryWorkerOptions {
  /** How long a claimed delivery stays with this worker before others may take it. */
  leaseMs: number;
  batchSize: number;
  /** Push requests in flight at once. */
  concurrency: number;
  retryPolicy?: RetryPolicy;
}

/**
 * Claims due deliveries, sends them and records what happened. One call to `runOnce`
 * handles one batch; the worker loop in `workers.ts` repeats it.
 */
export function createDeliveryWorker(deps: {
  store: Store;
  sender: PushSender;
  clock: () => number;
  options: DeliveryWorkerOptions;
}) {
  const { store, sender, clock, options } = deps;
  const addStats = store.campaigns.incrementStats;

  async function deliverOne(delivery: DeliveryRow, context: BatchContext): Promise<DeliveryResult> {
    const requested = delivery.sent_at !== null;
    const now = clock();
    if (now >= delivery.expires_at) return { kind: 'expired', requested };
    const subscriber = context.subscribers.get(delivery.subscriber_id);
    const site = subscriber && context.sites.get(subscriber.site_id);
    const notification = context.notifications.get(delivery.notification_id);
    if (!subscriber || !site || !notification) {
      return { kind: 'failed', reason: 'subscriber no longer exists', requested };
    }
    const attemptCtx = { now, attempts: delivery.attempts, policy: options.retryPolicy };
    let outcome: PushOutcome;
    try {
      const answer = await sender.send({
        subscription: {
          endpoint: subscriber.endpoint,
          keys: { p256dh: subscriber.p256dh, auth: subscriber.auth },
        },
        payload: payloadFor(notification.content, delivery.id),
        vapid: {
          subject: site.vapidSubject,
          publicKey: site.vapidPublicKey,
          privateKey: site.vapidPrivateKey,
        },
        // RFC 8030 §5.2: the TTL left, so a retry never outlives the notification.
        ttlSeconds: Math.max(0, Math.floor((delivery.expires_at - now) / 1000)),
        urgency: notification.urgency,
        topic: notification.topic,
      });
      outcome = classifyPushAnswer(answer, attemptCtx);
    } catch (error) {
      outcome = retryAfterNetworkError(error as Error, attemptCtx);
    }
    switch (outcome.kind) {
      case 'delivered':
        return { kind: 'delivered', requested: true };
      case 'gone':
        return {
          kind: 'failed',
          reason: 'subscription gone (404/410)',
          requested: true,
          deleteSubscriber: true,
        };
      case 'failed':
        return { kind: 'failed', reason: outcome.reason, requested: true };
      case 'retry':
        return outcome.at >= delivery.expires_at
          ? { kind: 'expired', requested: true }
          : { kind: 'retry', at: outcome.at, reason: outcome.reason };
    }
  }

  async function loadContext(batch: DeliveryRow[]): Promise<BatchContext> {
    const subscribers = await store.subscribers.getMany(unique(batch.map((d) => d.subscriber_id)));
    const siteIds = unique([...subscribers.values()].map((s) => s.site_id));
    const [sites, notifications] = await Promise.all([
      store.sites.getMany(siteIds),
      store.notifications.getMany(unique(batch.map((d) => d.notification_id))),
    ]);
    return {
      subscribers,
      sites: new Map(sites.map((s) => [s.id, s])),
      notifications: new Map(notifications.map((n) => [n.id, n])),
    };
  }

  return {
    /** Sends one batch; returns how many deliveries it handled (0 = nothing was due). */
    async runOnce(): Promise<number> {
      const batch = await store.deliveries.claimDue(clock(), options.leaseMs, options.batchSize);
      if (batch.length === 0) return 0;
      const context = await loadContext(batch);
      const results = await mapConcurrent(batch, options.concurrency, async (delivery) => ({
        delivery,
        result: await deliverOne(delivery, context),
      }));
      await store.deliveries.record(results, clock(), addStats);
      return batch.length;
    },
  };
}

type BatchContext = {
  subscribers: Awaited<ReturnType<Store['subscribers']['getMany']>>;
  sites: Map<string, Awaited<ReturnType<Store['sites']['getMany']>>[number]>;
  notifications: Map<string, Awaited<ReturnType<Store['notifications']['getMany']>>[number]>;
};

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
