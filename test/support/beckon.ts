import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../packages/server/src/config.ts';
import { createBeckon, listen, type Beckon } from '../../packages/server/src/main.ts';
import { initWorkspace, type InitResult } from '../../packages/server/src/workspace-setup.ts';
import { userHash } from '../../packages/server/src/domain/user-hash.ts';
import { testDatabase, withSecretKey, type Dialect, type TestDatabase } from './databases.ts';

export interface TestBeckon extends Beckon, InitResult {
  /** http://127.0.0.1:PORT */
  url: string;
  database: TestDatabase;
  /** Moves the server's clock forward (TTL, backoff and schedules without waiting). */
  advanceClock(ms: number): void;
  /** The `userHash` of an externalId for the first site (its `identitySecret`). */
  userHash(externalId: string): string;
  /** The `userHash` of an externalId on any site of this server, by its site key. */
  userHashOn(siteKey: string, externalId: string): Promise<string>;
  /** Calls the API as the workspace's key. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** `keepDatabase`: leave it for a restart with `reuse`. */
  stop(opts?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * A real Beckon server in this process, on a fresh database of the given dialect,
 * listening on 127.0.0.1, with one workspace and site made by `beckon init`.
 */
export async function startBeckon(opts: {
  dialect: Dialect;
  pushOrigins?: string[];
  origins?: string[];
  categories?: Array<{ id: string; label: string }>;
  env?: Record<string, string>;
  workers?: boolean;
  /** Restart on this database with this workspace, instead of new ones. */
  reuse?: { database: TestDatabase; workspace: InitResult };
}): Promise<TestBeckon> {
  const database = opts.reuse?.database ?? testDatabase(opts.dialect);
  const config = loadConfig(
    withSecretKey({
      BECKON_DATABASE_URL: database.url,
      BECKON_PORT: '0',
      BECKON_HOST: '127.0.0.1',
      BECKON_PUSH_ORIGINS_ALLOW: (opts.pushOrigins ?? []).join(','),
      BECKON_POLL_MS: '50',
      BECKON_RETRY_BASE_MS: '200',
      // A line per request would bury the test output; warnings and errors still show.
      BECKON_LOG_LEVEL: 'warn',
      ...opts.env,
    }),
  );
  let skew = 0;
  const beckon = await createBeckon(config, { clock: () => Date.now() + skew });
  const reused = opts.reuse?.workspace;
  // Only the InitResult's fields: a TestBeckon passed as one would bring its closed store.
  const init_: InitResult =
    (reused && {
      apiKey: reused.apiKey,
      siteKey: reused.siteKey,
      siteId: reused.siteId,
      vapidPublicKey: reused.vapidPublicKey,
      identitySecret: reused.identitySecret,
      warnings: reused.warnings,
    }) ??
    (await initWorkspace(
      beckon.store,
      {
        name: 'Test shop',
        origins: opts.origins ?? ['http://localhost:5173'],
        categories: opts.categories,
      },
      Date.now(),
    ));
  const server = await listen(beckon.app, config);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (opts.workers !== false) beckon.startWorkers();
  return {
    ...beckon,
    ...init_,
    url,
    database,
    userHash: (externalId) => userHash(init_.identitySecret, externalId),
    async userHashOn(siteKey, externalId) {
      const site = await beckon.store.sites.getByKey(siteKey);
      if (!site) throw new Error(`no site ${siteKey}`);
      return userHash(site.identitySecret, externalId);
    },
    advanceClock(ms) {
      skew += ms;
      beckon.engine.wake();
      beckon.wakeTriggers();
    },
    api(path, init = {}) {
      return fetch(url + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${init_.apiKey}`,
          ...(init.body !== undefined && { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    },
    async stop({ keepDatabase = false } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as import('node:http').Server).closeAllConnections();
      await closed;
      await beckon.close();
      if (!keepDatabase) await database.drop();
    },
  };
}

/** Polls `check` until it returns a value, bounded in time. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
