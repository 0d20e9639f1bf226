import { availableParallelism } from 'node:os';
import type { RetryPolicy } from '../domain/push-response.ts';
import type { Store } from '../storage/store.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
import { createEncryptionPool } from './encryption-pool.ts';
import { createFanOut, FAN_OUT_JOB } from './fan-out.ts';
import { createJobRunner, type JobHandler } from './job-runner.ts';
import { createPushSender } from './push-sender.ts';
import { createPushTransport, type TransportOptions } from './push-transport.ts';
import { createVapidCache } from './vapid-cache.ts';
import { createWakeSignal } from './wake-signal.ts';
import { startLoop, type Loop } from './workers.ts';

export interface EngineOptions {
  leaseMs: number;
  pollMs: number;
  /** Deliveries claimed per batch. */
  batchSize: number;
  /** Batches claimed and not yet recorded at once (2: claim the next while one is sending). */
  batchesInFlight: number;
  /** Push requests in flight per push-service origin (HTTP/2 streams or HTTP/1.1 sockets). */
  concurrency: number;
  fanOutPageSize: number;
  fanOutWindow: number;
  /** Worker threads that encrypt; 0 encrypts on the main thread. */
  encryptionThreads: number;
  retryPolicy?: RetryPolicy;
  transport?: TransportOptions;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  leaseMs: 30_000,
  pollMs: 250,
  batchSize: 500,
  batchesInFlight: 2,
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
  const jobsWake = createWakeSignal();
  const deliveriesWake = createWakeSignal();
  const transport = createPushTransport({
    maxSocketsPerOrigin: options.concurrency,
    ...options.transport,
  });
  const pool = createEncryptionPool({ threads: options.encryptionThreads });
  const sender = createPushSender({
    transport,
    pool,
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
        onDeliveriesQueued: () => deliveriesWake.wake(),
      }),
    },
  });
  let loops: Loop[] = [];

  return {
    jobRunner,
    deliveryWorker,
    /** Push batches are in flight. */
    busy: () => deliveryWorker.busy(),
    wake(): void {
      jobsWake.wake();
      deliveriesWake.wake();
    },
    start(): void {
      if (loops.length > 0) return;
      sender.resume();
      jobRunner.resume();
      deliveryWorker.resume();
      loops = [
        startLoop(jobRunner.runOnce, { idleMs: options.pollMs, wake: jobsWake, log }),
        startLoop(deliveryWorker.claimNext, {
          idleMs: options.pollMs,
          wake: deliveriesWake,
          log,
        }),
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
