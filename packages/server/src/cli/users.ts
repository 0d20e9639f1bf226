import { parseArgs } from 'node:util';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../accounts/passwords.ts';
import { setPasswordLink } from '../accounts/set-password-link.ts';
import type { Config } from '../config.ts';
import { ROLES } from '../http/roles.ts';
import type { Role } from '../storage/schema.ts';
import { openDatabase } from '../storage/database.ts';
import { createStore, type Store } from '../storage/store.ts';

export const USERS_USAGE = `  users add EMAIL --role owner|marketer|viewer [--workspace ID] [--password-stdin]
                 a dashboard account; prints a one-time link to set its password
                 (links use BECKON_PUBLIC_URL), or reads the password from stdin`;

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * `beckon users add`: creates a person's dashboard account in a workspace (the only one when
 * `--workspace` is not given) and prints the one-time set-password link, or, with
 * `--password-stdin`, sets the password read from stdin (for scripts: no link to open).
 */
export async function usersCommand(
  args: string[],
  config: Readonly<Config>,
  readStdin: () => Promise<string>,
  out: (line: string) => void,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      workspace: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
    },
  });
  const [verb, email] = positionals;
  if (verb !== 'add' || !email || positionals.length > 2) throw new UsageError(USERS_USAGE);
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) {
    throw new UsageError(`${email} is not an email address`);
  }
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be ${ROLES.join('|')}`);
  const password = values['password-stdin'] ? await readPassword(readStdin) : undefined;

  const db = await openDatabase(config.databaseUrl);
  try {
    const store = createStore(db);
    const workspaceId = await pickWorkspace(store, values.workspace);
    const created = await store.accounts.create({ workspaceId, email, role }, Date.now());
    if (!created) throw new UsageError(`${email} already has an account`);
    if (password !== undefined) {
      await store.accounts.setPassword(created.token, await hashPassword(password), Date.now());
      out(`${created.account.email} (${role}) can sign in at ${config.publicUrl}/dashboard`);
    } else {
      out(`${created.account.email} (${role}): set the password within 7 days at`);
      out(setPasswordLink(config.publicUrl, created.token));
    }
  } finally {
    await db.close();
  }
}

async function readPassword(readStdin: () => Promise<string>): Promise<string> {
  // One trailing newline is the shell's (`echo pw |`), not the password's.
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new UsageError(`the password must have ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
  }
  return password;
}

async function pickWorkspace(store: Store, id: string | undefined): Promise<string> {
  if (id) {
    if (!(await store.workspaces.get(id))) throw new UsageError(`no workspace ${id}`);
    return id;
  }
  const ids = await store.workspaces.ids(2);
  if (ids.length === 0) throw new UsageError('no workspace yet: run beckon init first');
  if (ids.length > 1) throw new UsageError('several workspaces: name one with --workspace ID');
  return ids[0]!;
}

/** All of stdin as text (bounded: a password is short). */
export async function readAllStdin(limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new UsageError('stdin is too long for a password');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
