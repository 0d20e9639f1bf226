import type { Kysely } from 'kysely';
import { aliasUser } from './alias.ts';
import { fromJson, toJson } from './json.ts';
import type { Database } from './schema.ts';
import { writeUserTraits } from './user-traits.ts';
import { inTransaction } from './transaction.ts';

export interface User {
  externalId: string;
  traits: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export function createUserStore(db: Kysely<Database>) {
  return {
    async get(workspaceId: string, externalId: string): Promise<User | undefined> {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      return (
        row && {
          externalId: row.external_id,
          traits: fromJson(row.traits, {}),
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        }
      );
    },

    /**
     * The traits of several users, possibly of several workspaces, in one query; keyed by
     * `traitsKey(workspaceId, externalId)`. Users that do not exist are absent.
     */
    async traitsOf(
      users: ReadonlyArray<{ workspaceId: string; externalId: string }>,
    ): Promise<Map<string, Record<string, unknown>>> {
      const wanted = new Set(users.map((u) => traitsKey(u.workspaceId, u.externalId)));
      const out = new Map<string, Record<string, unknown>>();
      if (wanted.size === 0) return out;
      const workspaces = [...new Set(users.map((u) => u.workspaceId))];
      const ids = [...new Set(users.map((u) => u.externalId))];
      const rows = await db
        .selectFrom('users')
        .select(['workspace_id', 'external_id', 'traits'])
        .where('workspace_id', 'in', workspaces)
        .where('external_id', 'in', ids)
        .execute();
      for (const row of rows) {
        // The IN × IN above may pair a workspace with another's id: keep only asked-for pairs.
        const key = traitsKey(row.workspace_id, row.external_id);
        if (wanted.has(key)) out.set(key, fromJson(row.traits, {}));
      }
      return out;
    },

    /**
     * Creates, without traits, those of these users that do not exist yet: one statement
     * per 500 ids, so a batch of events costs one round trip however many users it names.
     * Returns how many were created.
     */
    async ensure(
      workspaceId: string,
      externalIds: readonly string[],
      now: number,
    ): Promise<number> {
      const ids = [...new Set(externalIds)];
      let created = 0;
      for (let i = 0; i < ids.length; i += 500) {
        const result = await db
          .insertInto('users')
          .values(
            ids.slice(i, i + 500).map((externalId) => ({
              workspace_id: workspaceId,
              external_id: externalId,
              traits: '{}',
              created_at: now,
              updated_at: now,
            })),
          )
          .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).doNothing())
          .executeTakeFirst();
        created += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return created;
    },

    /** Segment `alias`: `previousId`'s subscribers, events, traits and memberships move to `userId`. */
    alias(workspaceId: string, previousId: string, userId: string, now: number): Promise<void> {
      return aliasUser(db, workspaceId, previousId, userId, now);
    },

    /** Sets the user's traits to exactly these (PUT), creating the user if needed. */
    async replace(
      workspaceId: string,
      externalId: string,
      traits: Record<string, unknown>,
      now: number,
    ): Promise<User> {
      const existing = await this.get(workspaceId, externalId);
      await writeUserTraits(db, { workspaceId, externalId, traits, createdAt: now, now });
      return { externalId, traits, createdAt: existing?.createdAt ?? now, updatedAt: now };
    },

    /** Creates the user or merges `traits` into the stored ones (a trait set to null is kept as null). */
    async upsert(
      workspaceId: string,
      externalId: string,
      traits: Record<string, unknown>,
      now: number,
    ): Promise<User> {
      return inTransaction(db, async (trx) => {
        const row = await trx
          .selectFrom('users')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('external_id', '=', externalId)
          .executeTakeFirst();
        const merged = { ...fromJson<Record<string, unknown>>(row?.traits, {}), ...traits };
        if (row) {
          await trx
            .updateTable('users')
            .set({ traits: toJson(merged), updated_at: now })
            .where('workspace_id', '=', workspaceId)
            .where('external_id', '=', externalId)
            .execute();
        } else {
          await trx
            .insertInto('users')
            .values({
              workspace_id: workspaceId,
              external_id: externalId,
              traits: toJson(merged),
              created_at: now,
              updated_at: now,
            })
            .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).doNothing())
            .execute();
        }
        return {
          externalId,
          traits: merged,
          createdAt: row?.created_at ?? now,
          updatedAt: now,
        };
      });
    },
  };
}

/** The key of `traitsOf`'s map. */
export function traitsKey(workspaceId: string, externalId: string): string {
  return `${workspaceId}\u0000${externalId}`;
}

export type UserStore = ReturnType<typeof createUserStore>;
