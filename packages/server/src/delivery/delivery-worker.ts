import type { RetryPolicy } from '../domain/push-response.ts';
import { capLimits } from '../domain/capping.ts';
import { payloadFor } from '../domain/payload.ts';
import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import type { Selectable } from 'kysely';
import type { SlotRequest } from '../storage/capping.ts';
import type { Notification } from '../storage/notifications.ts';
import type { SubscriberTable } from '../storage/schema.ts';
import type { Site } from '../storage/sites.ts';
import type { Store } from '../storage/store.ts';
import { createLimiter } from './limiter.ts';
import { deliveryResult } from './outcome.ts';
import type { PushMessage, PushSender } from './push-sender.ts';

export interface DeliveryWorkerOptions {
  /** How long a claimed delivery stays with this worker before others may take it. */
  leaseMs: number;
  batchSize: number;
  /**
   * Batches claimed and not yet recorded at once. With 2, the next batch is claimed and
   * encrypted while the current one is on the network, so the database and the network overlap.
   */
  batchesInFlight: number;
  retryPolicy?: RetryPolicy | undefined;
}

type Recorded = { delivery: DeliveryRow; result: DeliveryResult };

/**
 * Claims due deliveries a batch at a time, sends them and records what happened, one batch
 * transaction each. `claimNext` is the step the worker loop in `workers.ts` repeats.
 */
export function createDeliveryWorker(deps: {
  store: Store;
  sender: PushSender;
  clock: () => number;
  options: DeliveryWorkerOptions;
  log?: (message: string) => void;
}) {
  const { store, sender, clock, options } = deps;
  const slots = createLimiter(options.batchesInFlight);
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  async function loadContext(batch: DeliveryRow[]) {
    const subscribers = await store.subscribers.getMany(unique(batch.map((d) => d.subscriber_id)));
    const siteIds = unique([...subscribers.values()].map((s) => s.site_id));
    const [sites, notifications, campaigns] = await Promise.all([
      store.sites.getMany(siteIds),
      store.notifications.getMany(unique(batch.map((d) => d.notification_id))),
      store.campaigns.getMany(unique(batch.map((d) => d.campaign_id))),
    ]);
    return {
      subscribers,
      sites: new Map(sites.map((s) => [s.id, s])),
      notifications: new Map(notifications.map((n) => [n.id, n])),
      campaigns: new Map(campaigns.map((c) => [c.id, c])),
    };
  }

  async function deliver(batch: DeliveryRow[]): Promise<void> {
    const context = await loadContext(batch);
    const now = clock();
    const recorded: Recorded[] = [];
    const ready: Array<{
      delivery: DeliveryRow;
      subscriber: Selectable<SubscriberTable>;
      site: Site;
      notification: Notification;
    }> = [];
    const firstSends: SlotRequest[] = [];
    for (const delivery of batch) {
      const requested = delivery.sent_at !== null;
      if (now >= delivery.expires_at) {
        recorded.push({ delivery, result: { kind: 'expired', requested } });
        continue;
      }
      const subscriber = context.subscribers.get(delivery.subscriber_id);
      const site = subscriber && context.sites.get(subscriber.site_id);
      const notification = context.notifications.get(delivery.notification_id);
      if (!subscriber || !site || !notification) {
        const result = {
          kind: 'failed',
          reason: 'subscriber no longer exists',
          requested,
        } as const;
        recorded.push({ delivery, result });
        continue;
      }
      ready.push({ delivery, subscriber, site, notification });
      // A retry was logged (and counted against the caps) when its first request left.
      if (requested) continue;
      const campaign = context.campaigns.get(delivery.campaign_id);
      firstSends.push({
        deliveryId: delivery.id,
        subscriberId: delivery.subscriber_id,
        campaignId: delivery.campaign_id,
        siteId: site.id,
        limits: capLimits(site.capping, campaign?.capping ?? null, notification.ignoreCapping),
        reclaimed: delivery.attempts > 1,
      });
    }
    // Every first send is logged, capped or not, in one statement for the batch.
    const granted = await store.capping.reserve(firstSends, now);
    const sending: DeliveryRow[] = [];
    const messages: PushMessage[] = [];
    for (const { delivery, subscriber, site, notification } of ready) {
      if (delivery.sent_at === null && !granted.has(delivery.id)) {
        recorded.push({ delivery, result: { kind: 'capped', requested: false } });
        continue;
      }
      sending.push(delivery);
      messages.push({
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
        expiresAt: delivery.expires_at,
        sendBy: delivery.lease_until ?? now + options.leaseMs,
        urgency: notification.urgency,
        topic: notification.topic,
      });
    }
    const sent = await sender.sendMany(messages);
    const answeredAt = clock();
    sent.forEach((result, i) => {
      const delivery = sending[i] as DeliveryRow;
      const outcome = deliveryResult(result, delivery, {
        now: answeredAt,
        policy: options.retryPolicy,
      });
      if (outcome) recorded.push({ delivery, result: outcome });
    });
    await store.deliveries.record(recorded, clock(), store.campaigns.incrementStats);
  }

  return {
    /**
     * Waits for a free batch slot, claims a batch and starts it without waiting for it to
     * finish. Returns false when nothing was due (the loop then sleeps until woken).
     */
    async claimNext(): Promise<boolean> {
      if (stopping) return false;
      await slots.acquire();
      let batch: DeliveryRow[] = [];
      try {
        if (!stopping)
          batch = await store.deliveries.claimDue(clock(), options.leaseMs, options.batchSize);
      } finally {
        if (batch.length === 0) slots.release();
      }
      if (batch.length === 0) return false;
      const running = deliver(batch)
        .catch((error: Error) => {
          // The batch's leases run out and the next claim sends what was not recorded.
          deps.log?.(`delivery batch failed: ${error.stack ?? error.message}`);
        })
        .finally(() => {
          inFlight.delete(running);
          slots.release();
        });
      inFlight.add(running);
      return true;
    },
    /** Claims, sends and records one batch, waiting for it (tests and scripts). */
    async runOnce(): Promise<number> {
      const batch = await store.deliveries.claimDue(clock(), options.leaseMs, options.batchSize);
      if (batch.length > 0) await deliver(batch);
      return batch.length;
    },
    /** After `stop`, claims nothing until `resume`. */
    resume(): void {
      stopping = false;
    },
    /** Stops claiming and waits for the batches in hand to be sent and recorded. */
    async stop(): Promise<void> {
      stopping = true;
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
