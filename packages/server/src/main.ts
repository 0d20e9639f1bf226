import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve as serveNode, type ServerType } from '@hono/node-server';
import type { Config } from './config.ts';
import { createDeliveryEngine, type DeliveryEngine } from './delivery/engine.ts';
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
  close(): Promise<void>;
}

/**
 * Wires the server from a config: database, store, delivery engine and HTTP app. Nothing
 * listens or runs until `listen` / `engine.start()`.
 *
 * @example const beckon = await createBeckon(loadConfig()); beckon.engine.start();
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
    options: {
      leaseMs: config.leaseMs,
      pollMs: config.pollMs,
      retryPolicy: { baseDelayMs: config.retryBaseMs, maxDelayMs: 10 * 60_000 },
      transport: config.pushCaFile ? { ca: readFileSync(config.pushCaFile) } : {},
    },
  });
  const app = createApp({
    store,
    clock,
    wake: () => engine.wake(),
    pushOriginsAllow: config.pushOriginsAllow,
    rateLimit: config.rateLimit,
    assets: ASSETS,
    log,
  });
  return {
    store,
    app,
    engine,
    async close() {
      await engine.stop();
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
