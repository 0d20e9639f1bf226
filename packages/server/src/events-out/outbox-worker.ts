import { Webhook as Signer } from 'standardwebhooks';
import { GIVE_UP_AFTER_MS, nextTryAt } from '../domain/webhook-events.ts';
import type { Store } from '../storage/store.ts';
import type { Attempt, Destination, WebhookMessage } from '../storage/webhooks.ts';
import type { Poster } from './http-post.ts';
import { segmentBatches, segmentBatchUrl } from './segment-batch.ts';

/** Messages one round takes from a destination's queue. */
const ROUND = 200;
/** Requests in flight to one webhook in a round (different subscribers only). */
const PARALLEL = 16;
/** Sent messages stay this long for `GET /v1/webhooks/{id}/deliveries`. */
const KEEP_SENT_MS = 7 * 24 * 3_600_000;
const SWEEP_EVERY_MS = 1_000;
const YIELD_FACTOR = 4;
const MAX_YIELD_MS = 2_000;

export interface OutboxWorkerDeps {
  store: Store;
  poster: Poster;
  clock: () => number;
  leaseMs: number;
  /** First retry delay of a failing destination (doubles per failure, see nextTryAt). */
  retryBaseMs: number;
  log: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Whether pushes are being sent in this process. Events out yield to them: each round is
   * followed by a pause of YIELD_FACTOR times its length, so webhooks take at most about a
   * fifth of the time while a fan-out runs, and drain at full speed after it.
   */
  pushesBusy?: () => boolean;
  /** Told each attempt's outcome, for metrics. */
  onAttempts?: (destination: Destination, attempts: readonly Attempt[]) => void;
}

/**
 * Sends events out: leases one destination with due messages, sends a round of them in order
 * and records the answers (the loop in workers.ts repeats `runOnce`). A webhook gets one
 * Standard Webhooks request per event — the spec's body is a single event — with different
 * subscribers' events in parallel and one subscriber's strictly one after another; a Segment
 * forwarder gets `/v1/batch` calls of up to 500 KB. Any failure puts the whole destination on
 * exponential backoff (its later messages wait, which keeps them in order); after
 * GIVE_UP_AFTER_MS of failing it is disabled with a notice in `disabledReason`.
 */
export function createOutboxWorker(deps: OutboxWorkerDeps) {
  const { store, poster, clock } = deps;
  let lastSweep = 0;

  async function sendWebhook(d: Destination, messages: WebhookMessage[]): Promise<Attempt[]> {
    const signer = new Signer(d.secret);
    const bySubject = new Map<string, WebhookMessage[]>();
    for (const m of messages) {
      const queue = bySubject.get(m.subject);
      if (queue) queue.push(m);
      else bySubject.set(m.subject, [m]);
    }
    const queues = [...bySubject.values()];
    const attempts: Attempt[] = [];
    async function drain() {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const m of queue) {
          const at = new Date(clock());
          const result = await poster.post(
            d.url,
            {
              'webhook-id': m.id,
              'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
              'webhook-signature': signer.sign(m.id, at, m.body),
            },
            m.body,
          );
          attempts.push({ id: m.id, ...result });
          // This subscriber's later events wait for this one (order per subscriber).
          if (!result.ok) break;
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queues.length) }, drain));
    return attempts;
  }

  async function sendSegment(d: Destination, messages: WebhookMessage[]): Promise<Attempt[]> {
    const attempts: Attempt[] = [];
    const auth = `Basic ${Buffer.from(`${d.secret}:`).toString('base64')}`;
    for (const batch of segmentBatches(messages, new Date(clock()))) {
      const result = await poster.post(segmentBatchUrl(d.url), { authorization: auth }, batch.body);
      attempts.push(...batch.ids.map((id) => ({ id, ...result })));
      if (!result.ok) break;
    }
    return attempts;
  }

  async function deliverRound(): Promise<boolean> {
    const destination = await store.webhooks.claimDue(clock(), deps.leaseMs);
    if (!destination) return false;
    const messages = await store.webhooks.pending(destination.id, ROUND);
    const attempts =
      destination.kind === 'segment'
        ? await sendSegment(destination, messages)
        : await sendWebhook(destination, messages);
    deps.onAttempts?.(destination, attempts);
    const now = clock();
    const failure = attempts.find((a) => !a.ok);
    let next: { retryAt?: number; disable?: string } = {};
    if (failure) {
      const since = destination.failingSince ?? now;
      if (now - since >= GIVE_UP_AFTER_MS) {
        const notice = `Disabled at ${new Date(now).toISOString()}: failing since ${new Date(since).toISOString()}, last answer ${failure.status || 'none'} (${failure.error ?? ''})`;
        next = { disable: notice.slice(0, 500) };
        deps.log('webhook disabled after repeated failure', {
          webhookId: destination.id,
          workspaceId: destination.workspaceId,
          kind: destination.kind,
        });
      } else {
        next = { retryAt: nextTryAt(destination.failures + 1, deps.retryBaseMs, now) };
      }
    }
    await store.webhooks.recordAttempts(destination.id, attempts, now, next);
    return true;
  }

  return {
    /** One round for one destination, plus a `notification.finished` sweep each second. */
    async runOnce(): Promise<boolean> {
      const now = clock();
      let worked = false;
      if (now - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = now;
        worked = (await store.notifications.finishDue(now, 100)) === 100;
        await store.webhooks.pruneSent(now - KEEP_SENT_MS, 1_000);
      }
      const started = Date.now();
      const sent = await deliverRound();
      if (sent && deps.pushesBusy?.()) {
        const pause = Math.min(MAX_YIELD_MS, (Date.now() - started) * YIELD_FACTOR);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
      return sent || worked;
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
