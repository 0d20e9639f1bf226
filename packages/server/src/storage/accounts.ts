import type { Kysely, Selectable } from 'kysely';
import { hashSecret, newId, newSecret } from './ids.ts';
import type { AccountTable, Database, Role } from './schema.ts';

export type { Role };

export interface Account {
  id: string;
  workspaceId: string;
  email: string;
  role: Role;
  /** Whether a password was ever set (an invited account has none until its link is used). */
  active: boolean;
  createdAt: number;
}

/** An account with its stored hash, for sign-in only. */
export interface AccountWithHash extends Account {
  passwordHash: string | null;
}

/** How long a set-password link works. */
export const SET_PASSWORD_TTL_MS = 7 * 24 * 3600_000;

function toAccount(row: Selectable<AccountTable>): AccountWithHash {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    role: row.role,
    active: row.password_hash !== null,
    createdAt: Number(row.created_at),
    passwordHash: row.password_hash,
  };
}

const withoutHash = ({ passwordHash: _, ...account }: AccountWithHash): Account => account;

/** Emails compare case-insensitively: `Ann@x.org` and `ann@x.org` are one person. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Dashboard accounts and their one-time set-password tokens. Passwords arrive here already
 * hashed (http/passwords.ts): storage never sees one in clear.
 */
export function createAccountStore(db: Kysely<Database>) {
  return {
    /** A new account (no password yet) and a one-time token to set it; undefined if the email is taken. */
    async create(
      input: { workspaceId: string; email: string; role: Role },
      now: number,
    ): Promise<{ account: Account; token: string } | undefined> {
      const email = normalizeEmail(input.email);
      const taken = await db
        .selectFrom('accounts')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirst();
      if (taken) return undefined;
      const row = {
        id: newId('acc'),
        workspace_id: input.workspaceId,
        email,
        password_hash: null,
        role: input.role,
        created_at: now,
        updated_at: now,
      };
      await db.insertInto('accounts').values(row).execute();
      const token = await this.issueToken(row.id, input.workspaceId, now);
      return { account: withoutHash(toAccount(row)), token };
    },

    /** A fresh one-time set-password token (earlier ones stay valid until used or expired). */
    async issueToken(accountId: string, workspaceId: string, now: number): Promise<string> {
      const token = newSecret('set');
      await db
        .insertInto('account_tokens')
        .values({
          token_hash: hashSecret(token),
          account_id: accountId,
          workspace_id: workspaceId,
          created_at: now,
          expires_at: now + SET_PASSWORD_TTL_MS,
        })
        .execute();
      return token;
    },

    /**
     * Uses a one-time token: sets the password hash, deletes every token of the account and
     * signs out its sessions (a reset must end a thief's session). Undefined if unknown/expired.
     */
    async setPassword(
      token: string,
      passwordHash: string,
      now: number,
    ): Promise<Account | undefined> {
      return db.transaction().execute(async (trx) => {
        const found = await trx
          .deleteFrom('account_tokens')
          .where('token_hash', '=', hashSecret(token))
          .returning(['account_id', 'expires_at'])
          .executeTakeFirst();
        if (!found || Number(found.expires_at) <= now) return undefined;
        await trx
          .updateTable('accounts')
          .set({ password_hash: passwordHash, updated_at: now })
          .where('id', '=', found.account_id)
          .execute();
        await trx.deleteFrom('account_tokens').where('account_id', '=', found.account_id).execute();
        await trx.deleteFrom('sessions').where('account_id', '=', found.account_id).execute();
        const row = await trx
          .selectFrom('accounts')
          .selectAll()
          .where('id', '=', found.account_id)
          .executeTakeFirst();
        return row && withoutHash(toAccount(row));
      });
    },

    /** For sign-in: the account and its hash, by email. */
    async findForSignIn(email: string): Promise<AccountWithHash | undefined> {
      const row = await db
        .selectFrom('accounts')
        .selectAll()
        .where('email', '=', normalizeEmail(email))
        .executeTakeFirst();
      return row && toAccount(row);
    },

    async get(workspaceId: string, id: string): Promise<Account | undefined> {
      const row = await db
        .selectFrom('accounts')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && withoutHash(toAccount(row));
    },

    async list(workspaceId: string): Promise<Account[]> {
      const rows = await db
        .selectFrom('accounts')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('email')
        .limit(1000)
        .execute();
      return rows.map((r) => withoutHash(toAccount(r)));
    },

    async countOwners(workspaceId: string): Promise<number> {
      const row = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('role', '=', 'owner')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async setRole(
      workspaceId: string,
      id: string,
      role: Role,
      now: number,
    ): Promise<Account | undefined> {
      await db
        .updateTable('accounts')
        .set({ role, updated_at: now })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
      return this.get(workspaceId, id);
    },

    /** Deletes expired set-password tokens, a batch at a time (for the prune job). */
    async pruneExpiredTokens(now: number, limit: number): Promise<number> {
      const expired = db
        .selectFrom('account_tokens')
        .select('token_hash')
        .where('expires_at', '<=', now)
        .limit(limit);
      const result = await db
        .deleteFrom('account_tokens')
        .where('token_hash', 'in', expired)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Deletes the account with its sessions and tokens: it is signed out everywhere at once. */
    async remove(workspaceId: string, id: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const gone = await trx
          .deleteFrom('accounts')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(gone.numDeletedRows) === 0) return false;
        await trx.deleteFrom('sessions').where('account_id', '=', id).execute();
        await trx.deleteFrom('account_tokens').where('account_id', '=', id).execute();
        return true;
      });
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
