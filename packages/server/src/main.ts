import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveNode, type ServerType } from '@hono/node-server';
import type { Config } from './config.ts';
import { createEvergreen } from './audiences/evergreen.ts';
import { AUDIENCE_MEMBERS_JOB, createMembersJob } from './audiences/members-job.ts';
import { createImportJob, SUBSCRIPTION_IMPORT_JOB } from './sites/import-subscriptions.ts';
import {
  createDeliveryEngine,
  DEFAULT_ENGINE_OPTIONS,
  type DeliveryEngine,
} from './delivery/engine.ts';
import type { ExpressHandOff } from './notifications/send-intake.ts';
import { createWakeSignal } from './queue/wake-signal.ts';
import { startLoop, type Loop } from './queue/loop.ts';
import { createPrune } from './retention/prune.ts';
import { startRuns } from './triggers/start-runs.ts';
import { createTriggerWorker } from './triggers/trigger-worker.ts';
import { createApp, type App } from './http/app.ts';
import { createPoster } from './events-out/http-post.ts';
import { createOutboxWorker } from './events-out/outbox-worker.ts';
import { createMetrics } from './observability/metrics.ts';
import { configureLogging, log } from './observability/logger.ts';
import { secretBoxFor } from './secrets/open-secrets.ts';
import { sealStoredSecrets } from './secrets/reseal.ts';
import { openDatabase } from './storage/database.ts';
import type { NewEvent } from './storage/events.ts';
import { createStore, type Store } from './storage/store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = resolve(here, '../..');
export const ASSETS = {
  snippet: resolve(packagesDir, 'snippet/dist/beckon.js'),
  serviceWorker: resolve(packagesDir, 'service-worker/dist/beckon-sw.js'),
};
/** The dashboard's Vite build, served at /dashboard. */
export const DASHBOARD_DIR = resolve(packagesDir, 'dashboard/dist');

/** Structured (JSON, stderr) since pino; the same call for every caller (observability/logger.ts). */
export { log };

export interface Beckon {
  store: Store;
  app: App;
  engine: DeliveryEngine;
  /** Delivery, jobs, the evergreen sweeper and the retention job (what `serve` and `worker` run). */
  startWorkers(): void;
  stopWorkers(): Promise<void>;
  /** Looks for due trigger timers now (tests move the clock). */
  wakeTriggers(): void;
  close(): Promise<void>;
}

/** Evergreen campaigns are swept this often, and at once after new events. */
const EVERGREEN_SWEEP_MS = 2_000;
/** New events sweep evergreen campaigns this soon, however many arrive meanwhile. */
const EVERGREEN_AFTER_EVENTS_MS = 250;
/** The retention job looks for old rows this often (at once again while it finds many). */
const PRUNE_EVERY_MS = 60_000;

/**
 * Wires the server from a config: database, store, delivery engine and HTTP app. Nothing
 * listens or runs until `listen` / `startWorkers()`.
 *
 * @example const beckon = await createBeckon(loadConfig()); beckon.startWorkers();
 */
export async function createBeckon(
  config: Config,
  opts: { clock?: () => number } = {},
): Promise<Beckon> {
  const clock = opts.clock ?? Date.now;
  configureLogging({ level: config.logLevel, pii: config.logPii });
  // The key is checked before the database is touched: a missing one fails fast.
  const { box } = secretBoxFor(config.secretKey, config.databaseUrl);
  const db = await openDatabase(config.databaseUrl);
  const store = createStore(db, { secrets: box });
  try {
    const sealed = await sealStoredSecrets(store, box);
    if (sealed > 0) log(`encrypted the secrets of ${sealed} site(s) at rest (key ${box.keyId})`);
  } catch (error) {
    await db.close();
    throw error;
  }
  const metrics = createMetrics();
  const evergreenWake = createWakeSignal();
  const triggerWake = createWakeSignal();
  const evergreenSoon = atMostEvery(EVERGREEN_AFTER_EVENTS_MS, () => evergreenWake.wake());
  // An audience import's Entered / Exited events start trigger runs and may make new
  // audience members: sweep evergreen campaigns soon. (The API's events start their runs
  // in the transaction that stores them: see ingestion/event-intake.ts.)
  const onEvents = async (workspaceId: string, events: readonly NewEvent[]) => {
    if ((await startRuns(store, workspaceId, events, clock())) > 0) triggerWake.wake();
    evergreenWake.wake();
  };
  const engine = createDeliveryEngine({
    store,
    clock,
    log,
    metrics,
    handlers: {
      [AUDIENCE_MEMBERS_JOB]: createMembersJob({
        store,
        clock,
        leaseMs: config.leaseMs,
        onEvents,
      }),
      [SUBSCRIPTION_IMPORT_JOB]: createImportJob({
        store,
        clock,
        leaseMs: config.leaseMs,
        pushOriginsAllow: config.pushOriginsAllow,
      }),
    },
    options: {
      leaseMs: config.leaseMs,
      pollMs: config.pollMs,
      retryPolicy: { baseDelayMs: config.retryBaseMs, maxDelayMs: 10 * 60_000 },
      transport: config.pushCaFile ? { ca: readFileSync(config.pushCaFile) } : {},
      concurrency: config.pushConcurrency,
      ...(config.encryptionThreads !== undefined && {
        encryptionThreads: config.encryptionThreads,
      }),
    },
  });
  const evergreen = createEvergreen({ store, clock, onQueued: () => engine.wake(), log });
  const prune = createPrune({ store, clock });
  const triggerWorker = createTriggerWorker({
    store,
    clock,
    leaseMs: config.leaseMs,
    wake: () => engine.wake(),
    log,
  });
  const caFile = config.pushCaFile ? readFileSync(config.pushCaFile) : undefined;
  const poster = createPoster(config.webhookOriginsAllow, caFile);
  const outbox = createOutboxWorker({
    store,
    poster,
    clock,
    leaseMs: config.leaseMs,
    retryBaseMs: config.retryBaseMs,
    log,
    pushesBusy: () => engine.busy(),
    onAttempts: (destination, attempts) => {
      for (const a of attempts) {
        metrics.webhookAttempts.inc({ kind: destination.kind, result: a.ok ? 'ok' : 'failed' });
      }
    },
  });
  let workersRunning = false;
  // A send's deliveries go straight to this process's worker, only while it runs.
  const expressHandOff: ExpressHandOff = {
    leaseMs: config.leaseMs,
    batchSize: DEFAULT_ENGINE_OPTIONS.expressBatchSize,
    reserve: () => workersRunning && engine.deliveryWorker.reserveExpress(),
    deliver: (rows) => engine.deliveryWorker.deliverReserved(rows),
  };
  const app = createApp({
    store,
    clock,
    evergreen,
    expressHandOff,
    // Once per committed request: the trigger loop only when runs were started, and the
    // evergreen sweep at most once per EVERGREEN_AFTER_EVENTS_MS however many requests.
    eventsCommitted: (events, runsStarted) => {
      if (runsStarted > 0) triggerWake.wake();
      if (events.length > 0) evergreenSoon();
    },
    wake: (queued) => {
      // A send: it makes no audience members for the evergreen sweep.
      if (queued) return engine.wake(queued);
      engine.wake();
      evergreenWake.wake();
    },
    pushOriginsAllow: config.pushOriginsAllow,
    webhookOriginsAllow: config.webhookOriginsAllow,
    rateLimit: config.rateLimit,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    metrics,
    assets: ASSETS,
    dashboardDir: DASHBOARD_DIR,
    log,
  });
  let loops: Loop[] = [];
  async function stopWorkers() {
    workersRunning = false;
    triggerWorker.stop();
    await Promise.all([...loops.map((loop) => loop.stop()), engine.stop()]);
    loops = [];
  }
  return {
    store,
    app,
    engine,
    startWorkers() {
      engine.start();
      workersRunning = true;
      if (loops.length > 0) return;
      triggerWorker.resume();
      loops = [
        startLoop(evergreen.sweep, { idleMs: EVERGREEN_SWEEP_MS, wake: evergreenWake, log }),
        startLoop(triggerWorker.runOnce, { idleMs: config.pollMs, wake: triggerWake, log }),
        startLoop(prune.runOnce, { idleMs: PRUNE_EVERY_MS, wake: createWakeSignal(), log }),
        startLoop(outbox.runOnce, { idleMs: config.pollMs, wake: createWakeSignal(), log }),
      ];
    },
    wakeTriggers: () => triggerWake.wake(),
    stopWorkers,
    async close() {
      await stopWorkers();
      poster.close();
      await db.close();
    },
  };
}

/** Calls `fn` once per `ms` at most: the first call runs it after `ms`, later ones join it. */
function atMostEvery(ms: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      fn();
    }, ms).unref();
  };
}

export function listen(app: App, config: Config): Promise<ServerType> {
  return new Promise((resolveServer) => {
    const server = serveNode({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolveServer(server),
    );
  });
}
