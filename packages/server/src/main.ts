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
import { createApp, type App } from './http/app.ts';
import { openDatabase } from './storage/database.ts';
import { createStore, type Store } from './storage/store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = resolve(here, '../..');
export const ASSETS = {
  snippet: resolve(packagesDir, 'snippet/dist/beckon.js'),
  serviceWorker: resolve(packagesDir, 'service-worker/dist/beckon-sw.js'),
};

export const log = (message: string) => process.stderr.write(`[beckon] ${message}\n`);

export interface Beckon {
  store: Store;
  app: App;
  engine: DeliveryEngine;
  /** Delivery, jobs and the evergreen sweeper (what `serve` and `worker` run). */
  startWorkers(): void;
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

/** Evergreen campaigns are swept this often, and at once after new events. */
const EVERGREEN_SWEEP_MS = 2_000;

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
  const db = await openDatabase(config.databaseUrl);
  const store = createStore(db);
  const engine = createDeliveryEngine({
    store,
    clock,
    log,
    handlers: {
      [AUDIENCE_MEMBERS_JOB]: createMembersJob({ store, clock, leaseMs: config.leaseMs }),
    },
    options: {
      leaseMs: config.leaseMs,
      pollMs: config.pollMs,
      retryPolicy: { baseDelayMs: config.retryBaseMs, maxDelayMs: 10 * 60_000 },
      transport: config.pushCaFile ? { ca: readFileSync(config.pushCaFile) } : {},
    },
  });
  const evergreen = createEvergreen({ store, clock, onQueued: () => engine.wake() });
  const evergreenWake = createWakeSignal();
  const app = createApp({
    store,
    clock,
    evergreen,
    // New events may make new audience members: sweep evergreen campaigns soon.
    onEvents: () => evergreenWake.wake(),
    wake: () => {
      engine.wake();
      evergreenWake.wake();
    },
    pushOriginsAllow: config.pushOriginsAllow,
    rateLimit: config.rateLimit,
    assets: ASSETS,
    log,
  });
  let sweeper: Loop | undefined;
  async function stopWorkers() {
    await sweeper?.stop();
    sweeper = undefined;
    await engine.stop();
  }
  return {
    store,
    app,
    engine,
    startWorkers() {
      engine.start();
      sweeper ??= startLoop(evergreen.sweep, {
        idleMs: EVERGREEN_SWEEP_MS,
        wake: evergreenWake,
        log,
      });
    },
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
