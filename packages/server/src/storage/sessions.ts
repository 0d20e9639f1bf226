import type { Kysely } from 'kysely';
import { hashSecret, newSecret } from './ids.ts';
import type { Account } from './accounts.ts';
import type { Database } from './schema.ts';
import type { Workspace } from './workspaces.ts';

/** How long a sign-in lasts (the cookie's Max-Age matches). */
export const SESSION_TTL_MS = 14 * 24 * 3600_000;

/**
 * Server-side sessions. The cookie carries a random token; only its SHA-256 is stored, so
 * the table alone signs nobody in. Revoking is deleting rows.
 */
export function createSessionStore(db: Kysely<Database>) {
  return {
    /** A new session for the account; returns the token (shown once, in the cookie). */
    async create(account: Account, now: number): Promise<string> {
      const token = newSecret('sess');
      await db
        .insertInto('sessions')
        .values({
          token_hash: hashSecret(token),
          account_id: account.id,
          workspace_id: account.workspaceId,
          created_at: now,
          expires_at: now + SESSION_TTL_MS,
        })
        .execute();
      return token;
    },

    /** The live session's account and workspace, or undefined (unknown, expired, removed). */
    async find(
      token: string,
      now: number,
    ): Promise<{ account: Account; workspace: Workspace } | undefined> {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
        .innerJoin('workspaces', 'workspaces.id', 'accounts.workspace_id')
        .select([
          'accounts.id as account_id',
          'accounts.email',
          'accounts.role',
          'accounts.created_at as account_created_at',
          'workspaces.id as workspace_id',
          'workspaces.name as workspace_name',
          'workspaces.created_at as workspace_created_at',
          'sessions.expires_at',
        ])
        .where('sessions.token_hash', '=', hashSecret(token))
        .executeTakeFirst();
      if (!row || Number(row.expires_at) <= now) return undefined;
      return {
        account: {
          id: row.account_id,
          workspaceId: row.workspace_id,
          email: row.email,
          role: row.role,
          active: true,
          createdAt: Number(row.account_created_at),
        },
        workspace: {
          id: row.workspace_id,
          name: row.workspace_name,
          createdAt: Number(row.workspace_created_at),
        },
      };
    },

    /** Ends one session (sign out). */
    async revoke(token: string): Promise<void> {
      await db.deleteFrom('sessions').where('token_hash', '=', hashSecret(token)).execute();
    },

    /** Ends every session of the account (sign out everywhere). */
    async revokeAll(accountId: string): Promise<void> {
      await db.deleteFrom('sessions').where('account_id', '=', accountId).execute();
    },

    /** Deletes expired sessions, a batch at a time (for the prune job). */
    async pruneExpired(now: number, limit = 1000): Promise<number> {
      const expired = db
        .selectFrom('sessions')
        .select('token_hash')
        .where('expires_at', '<=', now)
        .limit(limit);
      const result = await db
        .deleteFrom('sessions')
        .where('token_hash', 'in', expired)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
