import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersCommand, UsageError } from '../packages/server/src/cli/users.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS, withSecretKey } from './support/databases.ts';

/** `beckon users add` (API.md "Dashboard and accounts"), against a running server's database. */
describe.each(DIALECTS)('beckon users add on %s', (dialect) => {
  let beckon: TestBeckon;
  const config = () =>
    loadConfig(
      withSecretKey({
        BECKON_DATABASE_URL: beckon.database.url,
        BECKON_PUBLIC_URL: 'https://push.example.com/',
      }),
    );
  async function run(args: string[], stdin = '') {
    const lines: string[] = [];
    await usersCommand(
      args,
      config(),
      async () => stdin,
      (line) => lines.push(line),
    );
    return lines;
  }
  const signIn = (email: string, password: string) =>
    fetch(`${beckon.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });

  beforeAll(async () => {
    beckon = await startBeckon({ dialect, workers: false });
  });
  afterAll(async () => {
    await beckon?.stop();
  });

  it('prints a one-time set-password link under BECKON_PUBLIC_URL that the server accepts once', async () => {
    const lines = await run(['add', 'eve@example.com', '--role', 'marketer']);
    const link = new URL(lines.at(-1)!);
    expect(link.origin + link.pathname).toBe('https://push.example.com/dashboard/set-password');
    const token = link.searchParams.get('token');
    const set = () =>
      fetch(`${beckon.url}/v1/session/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, password: 'eves own password' }),
      });
    expect((await set()).status).toBe(200);
    expect((await set()).status).toBe(400);
    const res = await signIn('eve@example.com', 'eves own password');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { role: 'marketer' } });
  });

  it('takes the password from stdin with --password-stdin', async () => {
    await run(
      ['add', 'fay@example.com', '--role', 'viewer', '--password-stdin'],
      'from stdin pw\n',
    );
    expect((await signIn('fay@example.com', 'from stdin pw')).status).toBe(200);
  });

  it('refuses a bad role, a taken email, an unknown workspace and a short password', async () => {
    await expect(run(['add', 'x@example.com', '--role', 'admin'])).rejects.toThrow(UsageError);
    await expect(run(['add', 'eve@example.com', '--role', 'viewer'])).rejects.toThrow(/already/);
    await expect(
      run(['add', 'y@example.com', '--role', 'viewer', '--workspace', 'ws_nope']),
    ).rejects.toThrow(/no workspace/);
    await expect(
      run(['add', 'z@example.com', '--role', 'viewer', '--password-stdin'], 'short\n'),
    ).rejects.toThrow(/characters/);
  });
});
