import type { Kysely } from 'kysely';
import { hashSecret, newId, newSecret } from './ids.ts';
import type { Database } from './schema.ts';

export interface Workspace {
  id: string;
  name: string;
  createdAt: number;
}

export function createWorkspaceStore(db: Kysely<Database>) {
  return {
    /** Creates a workspace and its first API key; the key is returned once, stored hashed. */
    async create(name: string, now: number): Promise<{ workspace: Workspace; apiKey: string }> {
      const workspace = { id: newId('ws'), name, createdAt: now };
      const apiKey = newSecret('bk');
      await db.transaction().execute(async (trx) => {
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

    async findByApiKey(apiKey: string): Promise<Workspace | undefined> {
      const row = await db
        .selectFrom('api_keys')
        .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
        .select(['workspaces.id', 'workspaces.name', 'workspaces.created_at'])
        .where('api_keys.key_hash', '=', hashSecret(apiKey))
        .executeTakeFirst();
      return row && { id: row.id, name: row.name, createdAt: row.created_at };
    },
  };
}

export type WorkspaceStore = ReturnType<typeof createWorkspaceStore>;
