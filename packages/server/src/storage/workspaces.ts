import { singleFlight } from './single-flight.ts';
import type { Kysely } from 'kysely';
import { retentionOf, type Retention } from '../domain/retention.ts';
import { hashSecret, newId, newSecret } from './ids.ts';
import { fromJson, toJson } from './json.ts';
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

export function createWorkspaceStore(db: Kysely<Database>) {
  async function findByApiKey(apiKey: string): Promise<Workspace | undefined> {
    const row = await db
      .selectFrom('api_keys')
      .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
      .select(['workspaces.id', 'workspaces.name', 'workspaces.created_at'])
      .where('api_keys.key_hash', '=', hashSecret(apiKey))
      .executeTakeFirst();
    return row && { id: row.id, name: row.name, createdAt: row.created_at };
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

    /** Deletes the key: the next request with it is a 401 (keys are looked up per request). */
    async revokeApiKey(workspaceId: string, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('api_keys')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Every API request asks: concurrent ones share a lookup (single-flight.ts). */
    findByApiKey: db.isTransaction ? findByApiKey : singleFlight(findByApiKey),

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
