import type { Kysely, Migration } from 'kysely';

/**
 * People who sign in to the dashboard (issue 12) — not the end users of `users`:
 * - `accounts`: one email (lowercased, unique across workspaces, so signing in needs no
 *   workspace), an argon2id hash (null until the one-time link is used) and a role;
 * - `sessions`: server-side sessions, stored only as the SHA-256 of the cookie's token, so a
 *   database leak signs nobody in; deleting the rows revokes them at once;
 * - `account_tokens`: one-time set-password links (invite, `beckon users add`), hashed too;
 * - `api_keys.name`: keys made from the dashboard are named so they can be told apart.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text')
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('accounts_workspace')
      .on('accounts')
      .columns(['workspace_id', 'email'])
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();

    await db.schema
      .createTable('account_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('account_tokens_account')
      .on('account_tokens')
      .column('account_id')
      .execute();

    await db.schema.alterTable('api_keys').addColumn('name', 'text').execute();
  },
};
