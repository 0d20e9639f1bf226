import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { createApiKeyCache } from './api-key-cache.ts';
import { postgresKeyChanges } from './api-key-changes.ts';
import { openDatabase, type Db } from './database.ts';
import { createStore, type Store } from './store.ts';

describe('the API-key cache', () => {
  it('does not store an answer looked up before the cache was cleared', () => {
    const cache = createApiKeyCache<string>();
    const since = cache.generation();
    cache.forget();
    expect(cache.remember('h1', 'ws_1', since)).toBe('ws_1');
    expect(cache.get('h1')).toBeUndefined();
    cache.remember('h1', 'ws_1', cache.generation());
    expect(cache.get('h1')).toBe('ws_1');
  });

  it('never remembers unknown keys, and forgets the least recently used past its bound', () => {
    const cache = createApiKeyCache<string>({ maxKeys: 2 });
    cache.remember('nope', undefined, 0);
    cache.remember('a', 'ws_a', 0);
    cache.remember('b', 'ws_b', 0);
    cache.get('a');
    cache.remember('c', 'ws_c', 0);
    expect([cache.size, cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([
      2,
      'ws_a',
      undefined,
      'ws_c',
    ]);
  });

  it('is bypassed and cleared while the PostgreSQL listener cannot connect', async () => {
    let cleared = 0;
    const changes = postgresKeyChanges({
      connect: () => new pg.Client('postgres://x@127.0.0.1:1/none'),
      schema: 'public',
      onChange: () => cleared++,
    });
    expect(changes.watching()).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(changes.watching()).toBe(false);
    expect(cleared).toBeGreaterThan(0);
    await changes.close();
  });
});

/** Two handles on one database: what two `beckon serve` processes each open. */
describe.each(DIALECTS)('API keys across processes on %s', (dialect) => {
  const database = testDatabase(dialect);
  let here: Db;
  let there: Db;
  let storeHere: Store;
  let storeThere: Store;
  let workspaceId: string;

  beforeAll(async () => {
    here = await openDatabase(database.url);
    there = await openDatabase(database.url);
    storeHere = createStore(here);
    storeThere = createStore(there);
    workspaceId = (await storeHere.workspaces.create('Shop', 1)).workspace.id;
  });

  afterAll(async () => {
    await here.close();
    await there.close();
    await database.drop();
  });

  /** Asks until the listener (PostgreSQL) is up, so the next answer is remembered. */
  async function cached(store: Store, apiKey: string) {
    for (let i = 0; i < 100 && !(store.db.apiKeys?.changes.watching() ?? false); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(store.db.apiKeys?.changes.watching()).toBe(true);
    expect((await store.workspaces.findByApiKey(apiKey))?.id).toBe(workspaceId);
  }

  it('answers a known key from memory (a row deleted behind its back still opens)', async () => {
    const { apiKey, key } = await storeHere.workspaces.createApiKey(workspaceId, 'memo', 2);
    await cached(storeHere, apiKey);
    // Deleted on this process's own connection without telling anyone: not how keys go.
    await sql`DELETE FROM api_keys WHERE id = ${key.id}`.execute(here.kysely);
    expect((await storeHere.workspaces.findByApiKey(apiKey))?.id).toBe(workspaceId);
  });

  /**
   * Whether the other process stops taking the key within `ms`. SQLite: at once (it reads
   * `data_version` before every cached answer). PostgreSQL: when the notification reaches
   * its listener, about when it reached the revoking process's own (which the revocation
   * waits for); on this loaded machine up to a few milliseconds later.
   */
  async function goneWithin(store: Store, apiKey: string, ms: number) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && (await store.workspaces.findByApiKey(apiKey))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    return (await store.workspaces.findByApiKey(apiKey)) === undefined;
  }
  const delivery = dialect === 'sqlite' ? 0 : 500;

  it('stops a key revoked by another process (SQLite at once; PostgreSQL on notification)', async () => {
    const { apiKey, key } = await storeHere.workspaces.createApiKey(workspaceId, 'ci', 3);
    await cached(storeThere, apiKey);
    await cached(storeHere, apiKey);
    expect(await storeHere.workspaces.revokeApiKey(workspaceId, key.id)).toBe(true);
    expect(await storeHere.workspaces.findByApiKey(apiKey)).toBeUndefined();
    expect(await goneWithin(storeThere, apiKey, delivery)).toBe(true);
  });

  it('stops a key revoked inside a transaction once it commits, not before a rollback', async () => {
    const { apiKey, key } = await storeHere.workspaces.createApiKey(workspaceId, 'tx', 4);
    await cached(storeThere, apiKey);
    await expect(
      storeHere.transaction(async (tx) => {
        await tx.workspaces.revokeApiKey(workspaceId, key.id);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await storeThere.workspaces.findByApiKey(apiKey))?.id).toBe(workspaceId);
    await storeHere.transaction((tx) => tx.workspaces.revokeApiKey(workspaceId, key.id));
    expect(await goneWithin(storeThere, apiKey, delivery)).toBe(true);
  });
});
