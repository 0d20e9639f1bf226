import { singleFlight } from './single-flight.ts';
import type { Kysely } from 'kysely';
import { retentionOf, type Retention } from '../domain/retention.ts';
import { hashSecret, newId, newSecret } from './ids.ts';
import { fromJson, toJson } from './json.ts';
import type { ApiKeys } from './api-key-cache.ts';
import type { Database } from './schema.ts';
import { inTransaction } from './transaction.ts';

export interface Workspace {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyInfo {
  id: string;
  name: string | null;
  /** The key's first characters, so a person can tell which key is which. */
  prefix: string;
  createdAt: number;
}

/**
 * `keys`: the process's API-key cache (database.ts); without it every key is looked up.
 */
export function createWorkspaceStore(db: Kysely<Database>, keys?: ApiKeys) {
  async function lookUp(keyHash: string): Promise<Workspace | undefined> {
    const row = await db
      .selectFrom('api_keys')
      .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
      .select(['workspaces.id', 'workspaces.name', 'workspaces.created_at'])
      .where('api_keys.key_hash', '=', keyHash)
      .executeTakeFirst();
    return row && { id: row.id, name: row.name, createdAt: row.created_at };
  }
  // Keyed by the cache's generation too: a caller that asks after a revocation cleared the
  // cache never joins (nor stores) a lookup that began before it.
  const shared = singleFlight((key: string) => lookUp(key.slice(key.indexOf(':') + 1)));

  /** Every API request asks: answered from the cache while it can hear revocations. */
  async function findByApiKey(apiKey: string): Promise<Workspace | undefined> {
    const keyHash = hashSecret(apiKey);
    if (db.isTransaction) return lookUp(keyHash);
    if (!keys?.changes.watching()) return shared(`-:${keyHash}`);
    const hit = keys.cache.get(keyHash);
    if (hit) return hit;
    const since = keys.cache.generation();
    return keys.cache.remember(keyHash, await shared(`${since}:${keyHash}`), since);
  }

  return {
    /** Creates a workspace and its first API key; the key is returned once, stored hashed. */
    async create(name: string, now: number): Promise<{ workspace: Workspace; apiKey: string }> {
      const workspace = { id: newId('ws'), name, createdAt: now };
      const apiKey = newSecret('bk');
      await inTransaction(db, async (trx) => {
        await trx
          .insertInto('workspaces')
          .values({ id: workspace.id, name, created_at: now })
          .execute();
        await trx
          .insertInto('api_keys')
          .values({
            id: newId('key'),
            workspace_id: workspace.id,
            key_hash: hashSecret(apiKey),
            prefix: apiKey.slice(0, 7),
            created_at: now,
          })
          .execute();
      });
      return { workspace, apiKey };
    },

    /** A new named API key; the key is returned once, stored hashed. */
    async createApiKey(
      workspaceId: string,
      name: string,
      now: number,
    ): Promise<{ key: ApiKeyInfo; apiKey: string }> {
      const apiKey = newSecret('bk');
      const row = {
        id: newId('key'),
        workspace_id: workspaceId,
        key_hash: hashSecret(apiKey),
        prefix: apiKey.slice(0, 7),
        name,
        created_at: now,
      };
      await db.insertInto('api_keys').values(row).execute();
      return { key: { id: row.id, name, prefix: row.prefix, createdAt: now }, apiKey };
    },

    /** The workspace's keys (never their hashes), oldest first. */
    async listApiKeys(workspaceId: string): Promise<ApiKeyInfo[]> {
      const rows = await db
        .selectFrom('api_keys')
        .select(['id', 'name', 'prefix', 'created_at'])
        .where('workspace_id', '=', workspaceId)
        .orderBy('created_at')
        .orderBy('id')
        .limit(1000)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        createdAt: Number(r.created_at),
      }));
    },

    /**
     * Deletes the key: the next request with it is a 401, in this process and every other
     * on the database (the cache is cleared here; `announce` tells the others on commit).
     */
    async revokeApiKey(workspaceId: string, id: string): Promise<boolean> {
      let sent: (() => Promise<void>) | undefined;
      const deleted = await inTransaction(db, async (trx) => {
        const result = await trx
          .deleteFrom('api_keys')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) > 0) sent = await keys?.changes.announce(trx);
        return Number(result.numDeletedRows) > 0;
      });
      // After the commit (before it, a lookup could still read the key and remember it).
      keys?.cache.forget();
      // Inside a caller's transaction the news leaves at its commit, after this returns.
      if (!db.isTransaction) await sent?.();
      return deleted;
    },

    findByApiKey,

    /** The workspace's retention, defaults filled in. */
    async get(id: string): Promise<Workspace | undefined> {
      const row = await db
        .selectFrom('workspaces')
        .select(['id', 'name', 'created_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row && { id: row.id, name: row.name, createdAt: Number(row.created_at) };
    },

    /** Up to `limit` workspace ids, oldest first (the CLI picks the only one when unnamed). */
    async ids(limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('workspaces')
        .select('id')
        .orderBy('created_at')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },

    async retention(id: string): Promise<Retention> {
      const row = await db
        .selectFrom('workspaces')
        .select('retention')
        .where('id', '=', id)
        .executeTakeFirst();
      return retentionOf(fromJson(row?.retention, null));
    },

    async setRetention(id: string, retention: Retention): Promise<void> {
      await db
        .updateTable('workspaces')
        .set({ retention: toJson(retention) })
        .where('id', '=', id)
        .execute();
    },

    /** A page of workspaces with their retention, for the prune job (`after`: a cursor). */
    async retentionPage(
      after: string,
      limit: number,
    ): Promise<Array<{ id: string; retention: Retention }>> {
      const rows = await db
        .selectFrom('workspaces')
        .select(['id', 'retention'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(limit)
        .execute();
      // A row whose settings cannot be read keeps the defaults rather than stopping pruning.
      const read = (text: string | null) => {
        try {
          return retentionOf(fromJson(text, null));
        } catch {
          return retentionOf(null);
        }
      };
      return rows.map((r) => ({ id: r.id, retention: read(r.retention) }));
    },
  };
}

export type WorkspaceStore = ReturnType<typeof createWorkspaceStore>;
