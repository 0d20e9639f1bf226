import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveNode, type ServerType } from '@hono/node-server';
import type { Config } from './config.ts';
import { createEvergreen } from './audiences/evergreen.ts';
import { AUDIENCE_MEMBERS_JOB, createMembersJob } from './audiences/members-job.ts';
import { createDeliveryEngine, type DeliveryEngine } from './delivery/engine.ts';
import { createWakeSignal } from './delivery/wake-signal.ts';
import { startLoop, type Loop } from './delivery/workers.ts';
import { createPrune } from './retention/prune.ts';
import { startRuns } from './triggers/start-runs.ts';
import { createTriggerWorker } from './triggers/trigger-worker.ts';
import { createApp, type App } from './http/app.ts';
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

export const log = (message: string) => process.stderr.write(`[beckon] ${message}\n`);

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
  const evergreenWake = createWakeSignal();
  const triggerWake = createWakeSignal();
  // New events start trigger runs (before the API answers, so an accepted event is not
  // lost) and may make new audience members: sweep evergreen campaigns soon.
  const onEvents = async (workspaceId: string, events: readonly NewEvent[]) => {
    if ((await startRuns(store, workspaceId, events, clock())) > 0) triggerWake.wake();
    evergreenWake.wake();
  };
  const engine = createDeliveryEngine({
    store,
    clock,
    log,
    handlers: {
      [AUDIENCE_MEMBERS_JOB]: createMembersJob({
        store,
        clock,
        leaseMs: config.leaseMs,
        onEvents,
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
  const app = createApp({
    store,
    clock,
    evergreen,
    onEvents,
    wake: () => {
      engine.wake();
      evergreenWake.wake();
    },
    pushOriginsAllow: config.pushOriginsAllow,
    rateLimit: config.rateLimit,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    assets: ASSETS,
    dashboardDir: DASHBOARD_DIR,
    log,
  });
  let loops: Loop[] = [];
  async function stopWorkers() {
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
      if (loops.length > 0) return;
      triggerWorker.resume();
      loops = [
        startLoop(evergreen.sweep, { idleMs: EVERGREEN_SWEEP_MS, wake: evergreenWake, log }),
        startLoop(triggerWorker.runOnce, { idleMs: config.pollMs, wake: triggerWake, log }),
        startLoop(prune.runOnce, { idleMs: PRUNE_EVERY_MS, wake: createWakeSignal(), log }),
      ];
    },
    wakeTriggers: () => triggerWake.wake(),
    stopWorkers,
    async close() {
      await stopWorkers();
      await db.close();
    },
  };
}

export function listen(app: App, config: Config): Promise<ServerType> {
  return new Promise((resolveServer) => {
    const server = serveNode({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolveServer(server),
    );
  });
}
