import type { RetryPolicy } from '../domain/push-response.ts';
import type { Store } from '../storage/store.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
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
  batchSize: number;
  concurrency: number;
  fanOutPageSize: number;
  retryPolicy?: RetryPolicy;
  transport?: TransportOptions;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  leaseMs: 30_000,
  pollMs: 250,
  batchSize: 200,
  concurrency: 64,
  fanOutPageSize: 500,
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
}) {
  const options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
  const log = deps.log ?? (() => {});
  const jobsWake = createWakeSignal();
  const deliveriesWake = createWakeSignal();
  const transport = createPushTransport(options.transport);
  const sender = createPushSender({ transport, vapid: createVapidCache(deps.clock) });
  const deliveryWorker = createDeliveryWorker({
    store: deps.store,
    sender,
    clock: deps.clock,
    options,
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
        leaseMs: options.leaseMs,
        onDeliveriesQueued: () => deliveriesWake.wake(),
      }),
    },
  });
  let loops: Loop[] = [];

  return {
    jobRunner,
    deliveryWorker,
    wake(): void {
      jobsWake.wake();
      deliveriesWake.wake();
    },
    start(): void {
      if (loops.length > 0) return;
      loops = [
        startLoop(jobRunner.runOnce, { idleMs: options.pollMs, wake: jobsWake, log }),
        startLoop(async () => (await deliveryWorker.runOnce()) > 0, {
          idleMs: options.pollMs,
          wake: deliveriesWake,
          log,
        }),
      ];
    },
    async stop(): Promise<void> {
      await Promise.all(loops.map((l) => l.stop()));
      loops = [];
      transport.close();
    },
  };
}

export type DeliveryEngine = ReturnType<typeof createDeliveryEngine>;
