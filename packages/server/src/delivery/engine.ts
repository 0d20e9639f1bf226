import { availableParallelism } from 'node:os';
import type { Lane, Queued } from '../domain/lane.ts';
import type { RetryPolicy } from '../domain/push-response.ts';
import type { Store } from '../storage/store.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
import { createEncryptionPool } from './encryption-pool.ts';
import { createFanOut, FAN_OUT_JOB } from './fan-out.ts';
import { createJobRunner, type JobHandler } from '../queue/job-runner.ts';
import { createPushSender } from './push-sender.ts';
import { createPushTransport, type TransportOptions } from './transport/push-transport.ts';
import { createVapidCache } from './vapid-cache.ts';
import { createWakeSignal, type WakeSignal } from '../queue/wake-signal.ts';
import { startLoop, type Loop } from '../queue/loop.ts';

export interface EngineOptions {
  leaseMs: number;
  pollMs: number;
  /** Deliveries claimed per batch. */
  batchSize: number;
  /** Batches claimed and not yet recorded at once (2: claim the next while one is sending). */
  batchesInFlight: number;
  /** Express deliveries per batch, and express batches in flight beside the bulk ones. */
  expressBatchSize: number;
  expressBatchesInFlight: number;
  /**
   * Bulk jobs (broadcast fan-outs, members imports…) run at once by this process, beside
   * one loop for express fan-outs: an import does not hold a fan-out up.
   */
  jobConcurrency: number;
  /** Push requests in flight per push-service origin (HTTP/2 streams or HTTP/1.1 sockets). */
  concurrency: number;
  fanOutPageSize: number;
  fanOutWindow: number;
  /** Worker threads that encrypt; 0 encrypts on the main thread. */
  encryptionThreads: number;
  retryPolicy?: RetryPolicy;
  transport?: TransportOptions;
}

/** Idle bulk job loops poll at most this many times less often than `pollMs` (see loop.ts). */
const BULK_JOB_IDLE_BACKOFF = 4;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  leaseMs: 30_000,
  pollMs: 250,
  batchSize: 500,
  batchesInFlight: 2,
  expressBatchSize: 100,
  expressBatchesInFlight: 2,
  jobConcurrency: 2,
  concurrency: 100,
  fanOutPageSize: 500,
  fanOutWindow: 20_000,
  // One per core: encryption is most of the CPU a push costs, and the main thread's share
  // (HTTP/2, database) is small enough to live beside them.
  encryptionThreads: availableParallelism(),
};

/**
 * The delivery pipeline: a job loop (fan-out and other async jobs) and a delivery loop
 * (push requests). `wake()` is called by the API after it queues work.
 */
export function createDeliveryEngine(deps: {
  store: Store;
  clock: () => number;
  options?: Partial<EngineOptions>;
  log?: (message: string) => void;
  /** Job kinds other features add (audience imports…), run by the same job loop. */
  handlers?: Record<string, JobHandler>;
  metrics?: Metrics;
}) {
  const options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
  const log = deps.log ?? (() => {});
  // One wake signal per loop: a kept wake is taken by one waiter only.
  const jobWakes = Array.from({ length: options.jobConcurrency + 1 }, createWakeSignal);
  const bulkWake = createWakeSignal();
  const expressWake = createWakeSignal();
  const wakeDeliveries = (lane?: Lane) => {
    if (lane !== 'bulk') expressWake.wake();
    if (lane !== 'express') bulkWake.wake();
  };
  const transport = createPushTransport({
    maxSocketsPerOrigin: options.concurrency,
    ...options.transport,
  });
  const pool = createEncryptionPool({ threads: options.encryptionThreads });
  const sender = createPushSender({
    transport,
    pool,
    // Express pushes are few: encrypting them here (~0.2 ms each) beats queueing behind a
    // broadcast's chunks on the threads.
    expressPool: createEncryptionPool({ threads: 0 }),
    vapid: createVapidCache(deps.clock),
    clock: deps.clock,
    concurrency: options.concurrency,
  });
  const deliveryWorker = createDeliveryWorker({
    store: deps.store,
    sender,
    clock: deps.clock,
    options,
    log,
    ...(deps.metrics && { metrics: deps.metrics }),
  });
  const jobRunner = createJobRunner({
    store: deps.store,
    clock: deps.clock,
    leaseMs: options.leaseMs,
    log,
    handlers: {
      ...deps.handlers,
      [FAN_OUT_JOB]: createFanOut({
        store: deps.store,
        clock: deps.clock,
        pageSize: options.fanOutPageSize,
        window: options.fanOutWindow,
        leaseMs: options.leaseMs,
        onDeliveriesQueued: wakeDeliveries,
        expressHandOff: {
          reserve: deliveryWorker.reserveExpress,
          deliver: deliveryWorker.deliverReserved,
        },
      }),
    },
  });
  let loops: Loop[] = [];

  return {
    jobRunner,
    deliveryWorker,
    /** Push batches are in flight. */
    busy: () => deliveryWorker.busy(),
    /**
     * Work was queued. A send names what it queued, and only the loop that takes it wakes
     * (a one-user send wakes one loop, not every claim query of the process); without it,
     * every loop wakes.
     */
    wake(queued?: Queued): void {
      if (queued?.fannedOut) return wakeDeliveries(queued.lane);
      const [expressJobs, ...bulkJobs] = jobWakes as [WakeSignal, ...WakeSignal[]];
      if (queued?.lane !== 'bulk') expressJobs.wake();
      if (queued?.lane !== 'express') for (const wake of bulkJobs) wake.wake();
      if (!queued) wakeDeliveries();
    },
    start(): void {
      if (loops.length > 0) return;
      sender.resume();
      jobRunner.resume();
      deliveryWorker.resume();
      const [expressJobs, ...bulkJobs] = jobWakes as [WakeSignal, ...WakeSignal[]];
      const idleMs = options.pollMs;
      loops = [
        // Express fan-outs (≤ 100 ids, trigger sends) have a loop of their own.
        startLoop(() => jobRunner.runOnce('express'), { idleMs, wake: expressJobs, log }),
        // Bulk jobs (broadcast fan-outs, imports) start a poll or so later when idle for long;
        // their loops then stop polling four times a second beside a broadcast's sends.
        ...bulkJobs.map((wake) =>
          startLoop(() => jobRunner.runOnce('bulk'), {
            idleMs,
            maxIdleMs: idleMs * BULK_JOB_IDLE_BACKOFF,
            wake,
            log,
          }),
        ),
        startLoop(deliveryWorker.claimExpress, { idleMs, wake: expressWake, log }),
        startLoop(deliveryWorker.claimNext, { idleMs, wake: bulkWake, log }),
      ];
    },
    /**
     * Graceful stop: claims nothing more; requests already sent are awaited and recorded,
     * queued ones are released, and a job stops at its next checkpoint and is released —
     * so another worker takes everything at once, not after a lease timeout. Then closes
     * connections and threads.
     */
    async stop(): Promise<void> {
      sender.stop();
      jobRunner.stop();
      await Promise.all([deliveryWorker.stop(), ...loops.map((l) => l.stop())]);
      loops = [];
      transport.close();
      await pool.close();
    },
  };
}

export type DeliveryEngine = ReturnType<typeof createDeliveryEngine>;
