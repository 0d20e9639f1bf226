import type { Lane } from '../domain/lane.ts';
import type { RetryPolicy } from '../domain/push-response.ts';
import { capLimits } from '../domain/capping.ts';
import type { DeliveryResult, DeliveryRow } from '../storage/deliveries.ts';
import type { SlotRequest } from '../storage/capping.ts';
import type { Notification } from '../storage/notifications.ts';
import type { Store } from '../storage/store.ts';
import { createAnswerCounter, countOutcomes } from '../observability/delivery-metrics.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createLimiter } from '../queue/limiter.ts';
import { afterCrash, deliveryResult } from './outcome.ts';
import { renderForDelivery } from './render-for-delivery.ts';
import { triggerStats } from './trigger-feedback.ts';
import { createOutcomeRecorder } from './outcome-recorder.ts';
import type { PushMessage, PushSender, SendResult } from './push-sender.ts';

export interface DeliveryWorkerOptions {
  /** How long a claimed delivery stays with this worker before others may take it. */
  leaseMs: number;
  batchSize: number;
  /**
   * Batches claimed and not yet recorded at once. With 2, the next batch is claimed and
   * encrypted while the current one is on the network, so the database and the network overlap.
   */
  batchesInFlight: number;
  /** Express deliveries claimed per batch (default 100), in their own slots (default 2). */
  expressBatchSize?: number;
  expressBatchesInFlight?: number;
  /** Outcomes per group commit (default 64; a group is also written 20 ms after its first). */
  recordEvery?: number;
  retryPolicy?: RetryPolicy | undefined;
}

/** An outcome to record, with its notification when loaded (trigger stats, latency metric). */
type Recorded = { delivery: DeliveryRow; result: DeliveryResult; notification?: Notification };

/**
 * How often a sending batch asks whether its notifications were cancelled: one indexed read
 * per batch and period, and after a cancel at most this long of requests still leave.
 */
const CANCEL_POLL_MS = 100;
type PayloadOf = Awaited<ReturnType<typeof renderForDelivery>>;
/** A delivery ready to send, once its cap slot (first sends only) is granted. */
type Ready = { delivery: DeliveryRow; message: PushMessage; slot: SlotRequest | undefined };
type RecordStats = Parameters<Store['deliveries']['record']>[2];

/**
 * Claims due deliveries a batch at a time, sends them and records what happened as it happens
 * (group commit, outcome-recorder.ts). Two lanes, each with its own batch slots:
 * `claimExpress` (small, trigger and evergreen sends) and `claimNext` (broadcasts, one
 * workspace per batch in turn), so an express push never waits for a broadcast batch to
 * finish. Both are steps the worker loops in `queue/loop.ts` repeat.
 */
export function createDeliveryWorker(deps: {
  store: Store;
  sender: PushSender;
  clock: () => number;
  options: DeliveryWorkerOptions;
  log?: (message: string) => void;
  metrics?: Metrics;
}) {
  const { store, sender, clock, options } = deps;
  const slots = createLimiter(options.batchesInFlight);
  const expressSlots = createLimiter(options.expressBatchesInFlight ?? 2);
  const inFlight = new Set<Promise<void>>();
  /** Express slots reserved for a fan-out's hand-off, not yet handed (reserveExpress). */
  const handOffs: Array<() => void> = [];
  let stopping = false;
  /** The workspace each lane's last claim ended at: the next starts after it (round-robin). */
  const lastWorkspace: Record<Lane, string | null> = { express: null, bulk: null };
  // Outcomes are committed as they come, a small group at a time, not once the whole batch
  // is answered: a crash repeats only what was in flight or not yet committed. One recorder
  // for every batch in flight, so batches sending side by side share commits.
  const recorder = createOutcomeRecorder<Recorded>({ write, maxRows: options.recordEvery });
  const countAnswer = deps.metrics && createAnswerCounter(deps.metrics);

  type BatchContext = Awaited<ReturnType<typeof loadContext>>;

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

  /**
   * Sends a batch. One delivery that cannot be loaded, prepared or recorded fails alone
   * (afterCrash: backoff, then `failed` with its error); the rest of the batch, whatever
   * workspace it belongs to, goes on.
   */
  async function deliver(batch: DeliveryRow[]): Promise<void> {
    const express = batch.every((d) => d.lane === 'express');
    const now = clock();
    const recorded: Recorded[] = [];
    let context: BatchContext;
    const ready: Ready[] = [];
    let granted: Set<string>;
    try {
      context = await loadContext(batch);
      const payloadOf = await renderForDelivery(
        store,
        batch,
        context.notifications,
        context.subscribers,
      );
      for (const delivery of batch) {
        try {
          const checked = check(delivery, context, payloadOf, now);
          if ('result' in checked) recorded.push(withNotification(delivery, checked.result));
          else ready.push(checked);
        } catch (error) {
          for (const one of crashed([delivery], error)) {
            recorded.push(withNotification(one.delivery, one.result));
          }
        }
      }
      // Every first send is logged, capped or not, in one statement for the batch; a retry
      // was logged (and counted against the caps) when its first request left.
      granted = await store.capping.reserve(
        ready.flatMap((r) => (r.slot ? [r.slot] : [])),
        now,
      );
    } catch (error) {
      if (batch.length > 1) {
        // Find the row that cannot be read: each delivery on its own (nothing was sent yet).
        for (const delivery of batch) await deliver([delivery]);
        return;
      }
      await recordEach(crashed(batch, error));
      return;
    }
    const sending: DeliveryRow[] = [];
    const messages: PushMessage[] = [];
    for (const item of ready) {
      if (item.slot && !granted.has(item.delivery.id)) {
        recorded.push(withNotification(item.delivery, { kind: 'capped', requested: false }));
        continue;
      }
      sending.push(item.delivery);
      if (express) item.message.express = true;
      messages.push(item.message);
    }
    recorder.add(recorded);
    const heard = new Set<number>();
    const settle = (i: number, result: SendResult) => {
      if (heard.has(i)) return;
      heard.add(i);
      countAnswer?.((messages[i] as PushMessage).subscription.endpoint, result);
      const delivery = sending[i] as DeliveryRow;
      const outcome = deliveryResult(result, delivery, {
        now: clock(),
        policy: options.retryPolicy,
      });
      if (outcome) recorder.add([withNotification(delivery, outcome)]);
    };
    const renewal = renewWhileSending(sending, heard);
    try {
      // The messages are this batch's own (made by `check`): set in place, not copied.
      for (const message of messages) message.leaseEnds = renewal.leaseEnds;
      const results = await sendUnlessCancelled(sending, messages, settle);
      // A sender that reports only at the end (a test double) is recorded the same way.
      results.forEach((result, i) => settle(i, result));
    } finally {
      renewal.stop();
    }
    await recorder.drain();

    function withNotification(delivery: DeliveryRow, result: DeliveryResult): Recorded {
      const notification = context.notifications.get(delivery.notification_id);
      return notification ? { delivery, result, notification } : { delivery, result };
    }
  }

  /**
   * Renews the batch's lease at every half lease while requests are still unanswered: a slow
   * push service (or a busy origin shared by two batches) can keep a batch longer than one
   * lease, and a lease running out under a request in flight lets another claim send it
   * again. A renewal that fails (a database pause outlived the lease) stops the rest: they
   * come back `late` and go to the next claim.
   */
  function renewWhileSending(sending: DeliveryRow[], heard: Set<number>) {
    let leaseUntil = sending[0]?.lease_until ?? 0;
    let renewing: Promise<unknown> | undefined;
    const timer = setInterval(
      () => {
        const held = sending.filter((_, i) => !heard.has(i)).map((d) => d.id);
        if (renewing || held.length === 0) return;
        const to = clock() + options.leaseMs;
        renewing = store.deliveries
          .renewLeases(held, leaseUntil, to)
          .then((all) => (leaseUntil = all ? to : Math.min(leaseUntil, clock())))
          .catch((error: Error) => deps.log?.(`lease renewal failed: ${error.message}`))
          .finally(() => (renewing = undefined));
      },
      Math.max(10, options.leaseMs / 2),
    );
    return {
      leaseEnds: () => leaseUntil,
      stop: () => clearInterval(timer),
    };
  }

  /** Records a group of outcomes (of any batches) in one transaction, else one by one. */
  async function write(rows: Recorded[]): Promise<void> {
    try {
      await store.deliveries.record(rows, clock(), statsFor(rows));
      if (deps.metrics) countOutcomes(deps.metrics, rows, notificationsOf(rows), clock());
    } catch (error) {
      deps.log?.(`recording a group failed, recording one by one: ${(error as Error).message}`);
      await recordEach(rows);
    }
  }

  /**
   * Sends while asking the database every CANCEL_POLL_MS which of the batch's notifications
   * were cancelled since it was claimed — by this process or any other — so the requests still
   * waiting for the push service's turn are withdrawn (API.md: only those in flight arrive).
   */
  async function sendUnlessCancelled(
    sending: DeliveryRow[],
    messages: PushMessage[],
    onResult: (index: number, result: SendResult) => void,
  ) {
    const ids = unique(sending.map((d) => d.notification_id));
    let cancelled = new Set<string>();
    let polling: Promise<void> | undefined;
    const timer = setInterval(() => {
      polling ??= store.notifications
        .cancelledAmong(ids)
        .then((found) => void (cancelled = found))
        // A failed poll changes nothing: the next one, or the next claim, sees the cancel.
        .catch(() => {})
        .finally(() => (polling = undefined));
    }, CANCEL_POLL_MS);
    try {
      const wantedOf = new Map(ids.map((id) => [id, () => !cancelled.has(id)]));
      messages.forEach((message, i) => {
        message.wanted = wantedOf.get((sending[i] as DeliveryRow).notification_id);
      });
      return await sender.sendMany(messages, onResult);
    } finally {
      clearInterval(timer);
      await polling;
    }
  }

  function crashed(deliveries: DeliveryRow[], error: unknown): Recorded[] {
    deps.log?.(`delivery ${deliveries.map((d) => d.id).join(', ')} failed: ${error}`);
    return deliveries.map((delivery) => ({
      delivery,
      result: afterCrash(error, delivery, { now: clock(), policy: options.retryPolicy }),
    }));
  }

  /** Records outcomes one at a time, so a row that cannot be written holds back no other. */
  async function recordEach(results: Recorded[]): Promise<void> {
    for (const one of results) {
      try {
        await store.deliveries.record([one], clock(), statsFor([one]));
      } catch (error) {
        try {
          await store.deliveries.record(
            crashed([one.delivery], error),
            clock(),
            store.campaigns.incrementStats,
          );
        } catch (again) {
          // Its lease runs out and a later claim tries again; the others are recorded.
          deps.log?.(`cannot record delivery ${one.delivery.id}: ${(again as Error).message}`);
        }
      }
    }
  }

  /** Campaign counters, plus trigger counters (sent / capped) for trigger notifications. */
  function statsFor(rows: Recorded[]): RecordStats {
    const triggerIncrements = triggerStats(rows, notificationsOf(rows));
    if (triggerIncrements.length === 0) return store.campaigns.incrementStats;
    return async (increments, trx) => {
      await store.campaigns.incrementStats(increments, trx);
      await store.triggers.addStats(triggerIncrements, trx);
    };
  }

  /**
   * What one delivery needs: its outcome when no request is to be made, else its message and,
   * for a first send, the cap slot to ask for. Rendered before caps are taken, so a send that
   * cannot go takes no slot.
   */
  function check(
    delivery: DeliveryRow,
    context: BatchContext,
    payloadOf: PayloadOf,
    now: number,
  ): Ready | { result: DeliveryResult } {
    const requested = delivery.sent_at !== null;
    if (now >= delivery.expires_at) return { result: { kind: 'expired', requested } };
    const subscriber = context.subscribers.get(delivery.subscriber_id);
    const site = subscriber && context.sites.get(subscriber.site_id);
    const notification = context.notifications.get(delivery.notification_id);
    // Cancelled after this batch was claimed: the cancel ended the row, and nothing is sent.
    if (notification?.cancelled) return { result: { kind: 'cancelled', requested } };
    if (!subscriber || !site || !notification) {
      const result = {
        kind: 'failed',
        reason: 'subscriber no longer exists',
        requested,
      } as const;
      return { result };
    }
    const payload = payloadOf(delivery, notification, subscriber, site.origins);
    if (!payload.ok) return { result: { kind: 'failed', reason: payload.reason, requested } };
    const campaign = context.campaigns.get(delivery.campaign_id);
    const slot: SlotRequest | undefined = requested
      ? undefined
      : {
          deliveryId: delivery.id,
          subscriberId: delivery.subscriber_id,
          campaignId: delivery.campaign_id,
          siteId: site.id,
          limits: capLimits(site.capping, campaign?.capping ?? null, notification.ignoreCapping),
          reclaimed: delivery.attempts > 1,
        };
    const message: PushMessage = {
      subscription: {
        endpoint: subscriber.endpoint,
        keys: { p256dh: subscriber.p256dh, auth: subscriber.auth },
      },
      payload: payload.payload,
      vapid: {
        subject: site.vapidSubject,
        publicKey: site.vapidPublicKey,
        privateKey: site.vapidPrivateKey,
      },
      expiresAt: delivery.expires_at,
      sendBy: delivery.lease_until ?? now + options.leaseMs,
      urgency: notification.urgency,
      topic: notification.topic,
    };
    return { delivery, message, slot };
  }

  function expressLimit(): number {
    return options.expressBatchSize ?? 100;
  }

  /** Claims one batch of `lane` (never mixed) and starts sending it. */
  async function claim(lane: Lane): Promise<DeliveryRow[]> {
    const claimLane =
      lane === 'express' ? store.deliveries.claimExpress : store.deliveries.claimBulk;
    const limit = lane === 'express' ? expressLimit() : options.batchSize;
    const { rows, workspaceId } = await claimLane(
      clock(),
      options.leaseMs,
      limit,
      lastWorkspace[lane],
    );
    lastWorkspace[lane] = workspaceId;
    return rows;
  }

  async function claimInto(lane: Lane): Promise<boolean> {
    if (stopping) return false;
    const laneSlots = lane === 'express' ? expressSlots : slots;
    await laneSlots.acquire();
    let batch: DeliveryRow[] = [];
    try {
      if (!stopping) batch = await claim(lane);
    } finally {
      if (batch.length === 0) laneSlots.release();
    }
    if (batch.length === 0) return false;
    start(batch, laneSlots);
    // An express batch fills up across every workspace with rows due (lane-claims.ts): one
    // not full took all there was, so the loop sleeps until woken instead of claiming again
    // at once — that empty claim cost a single-user send three statements beside its push.
    // A bulk batch holds one workspace's rows; the next may find another's.
    return lane === 'bulk' || batch.length >= expressLimit();
  }

  /** Sends a batch in the slot it holds, which it gives back when recorded. */
  function start(batch: DeliveryRow[], laneSlots: typeof slots): void {
    const running = deliver(batch)
      .catch((error: Error) => {
        // The batch's leases run out and the next claim sends what was not recorded.
        deps.log?.(`delivery batch failed: ${error.stack ?? error.message}`);
      })
      .finally(() => {
        inFlight.delete(running);
        laneSlots.release();
      });
    inFlight.add(running);
  }

  return {
    /**
     * Waits for a free batch slot, claims a batch and starts it without waiting for it to
     * finish. Returns false when nothing was due (the loop then sleeps until woken).
     */
    async claimNext(): Promise<boolean> {
      return claimInto('bulk');
    },
    /** `claimNext` for the express lane. */
    async claimExpress(): Promise<boolean> {
      return claimInto('express');
    },
    /**
     * The express hand-off (fan-out.ts): takes an express batch slot if one is free, so the
     * deliveries about to be written can be leased to this process as they are inserted and
     * sent without a claim — no wake-up, no claim round trip. False when none is free or
     * when stopping: they are written unleased and claimed as usual.
     */
    reserveExpress(): boolean {
      if (stopping || !expressSlots.tryAcquire()) return false;
      // In flight from now on: `stop` waits for the hand-off (and then the batch), so rows
      // leased mid-shutdown are sent or released, not left to their lease running out.
      let handedOff!: () => void;
      const pending = new Promise<void>((resolve) => (handedOff = resolve));
      inFlight.add(pending);
      handOffs.push(() => {
        inFlight.delete(pending);
        handedOff();
      });
      return true;
    },
    /** Sends deliveries leased to this process in the slot `reserveExpress` took (none: gives it back). */
    deliverReserved(batch: DeliveryRow[]): void {
      if (batch.length === 0) expressSlots.release();
      else start(batch, expressSlots);
      handOffs.shift()?.();
    },
    /** Claims, sends and records one batch, express first, waiting for it (tests and scripts). */
    async runOnce(): Promise<number> {
      const batch = await store.deliveries.claimDue(clock(), options.leaseMs, options.batchSize);
      if (batch.length > 0) await deliver(batch);
      return batch.length;
    },
    /** Whether push batches are in flight (lower-priority work yields to them). */
    busy: (): boolean => inFlight.size > 0,
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

function notificationsOf(rows: readonly Recorded[]): Map<string, Notification> {
  const byId = new Map<string, Notification>();
  for (const { notification } of rows) if (notification) byId.set(notification.id, notification);
  return byId;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
