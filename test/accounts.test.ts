import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrune } from '../packages/server/src/retention/prune.ts';
import { SESSION_TTL_MS } from '../packages/server/src/storage/sessions.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { sessionCookieOf, signedIn, signInAs } from './support/accounts.ts';
import { DIALECTS } from './support/databases.ts';
import { listTables, tableRows } from './support/tables.ts';

/** API.md "Dashboard and accounts": sessions, the Origin rule, sign-in limits, keys and team. */
describe.each(DIALECTS)('accounts and sessions on %s', (dialect) => {
  let beckon: TestBeckon;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(beckon.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
    post('/v1/session', { email, password }, headers);

  beforeAll(async () => {
    beckon = await startBeckon({ dialect, workers: false, env: { BECKON_TRUST_PROXY: '1' } });
  });
  afterAll(async () => {
    await beckon?.stop();
  });

  it('signs in with email and password and sets an HttpOnly, SameSite=Lax, Path=/ cookie', async () => {
    await signInAs(beckon, 'marketer', 'Ann@Example.com', 'a long passphrase');
    const res = await signIn('ann@example.com', 'a long passphrase');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: { email: string; role: string } };
    expect(body.user).toMatchObject({ email: 'ann@example.com', role: 'marketer' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('beckon_session='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);

    const me = signedIn(beckon, sessionCookieOf(res), '');
    const session = await me.call('/v1/session');
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({
      user: { email: 'ann@example.com', role: 'marketer' },
      workspace: { name: 'Test shop' },
    });
    expect((await me.call('/v1/sites')).status).toBe(200);
  });

  it('marks the cookie Secure when a trusted proxy says the request came over https', async () => {
    await signInAs(beckon, 'viewer', 'tls@example.com', 'a long passphrase');
    const res = await signIn('tls@example.com', 'a long passphrase', {
      'x-forwarded-proto': 'https',
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().join()).toMatch(/; Secure/);
  });

  it('stores only hashes of session tokens and passwords', async () => {
    const me = await signInAs(beckon, 'viewer', 'hash@example.com', 'plain text secret');
    const token = me.cookie.split('=')[1]!;
    for (const table of await listTables(beckon.store.db)) {
      const rows = (await tableRows(beckon.store.db, table)).join('\n');
      expect(rows, table.name).not.toContain(token);
      expect(rows, table.name).not.toContain('plain text secret');
    }
  });

  it('answers a wrong password and an unknown email alike, and limits failures per email', async () => {
    await signInAs(beckon, 'viewer', 'bob@example.com', 'bobs password');
    const wrong = await signIn('bob@example.com', 'not it');
    const unknown = await signIn('nobody@example.com', 'not it');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toBe(await unknown.text());
    // 1 above + 9 more = 10 failures; the 11th try is refused even with the right password.
    for (let i = 0; i < 9; i++)
      expect((await signIn('bob@example.com', `guess ${i}`)).status).toBe(401);
    const blocked = await signIn('bob@example.com', 'bobs password');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('limits failed sign-ins per client IP across emails', async () => {
    let last = 0;
    for (let i = 0; i < 32; i++) {
      last = (
        await signIn(`spray-${i}@example.com`, 'password1', { 'x-forwarded-for': '198.51.100.9' })
      ).status;
    }
    expect(last).toBe(429);
    // Another client is not affected.
    await signInAs(beckon, 'viewer', 'carol@example.com', 'carols password');
    expect(
      (await signIn('carol@example.com', 'carols password', { 'x-forwarded-for': '198.51.100.10' }))
        .status,
    ).toBe(200);
  });

  it('refuses a cookie-authenticated write without our own Origin with 403, and changes nothing', async () => {
    const me = await signInAs(beckon, 'owner');
    const site = { name: 'Forged', origins: ['https://forged.example'] };
    for (const origin of [null, 'https://evil.example', 'null']) {
      const res = await me.call('/v1/sites', { body: site, origin });
      expect(res.status, String(origin)).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const sites = (await (await beckon.api('/v1/sites')).json()) as { data: { name: string }[] };
    expect(sites.data.map((s) => s.name)).not.toContain('Forged');
    expect((await me.call('/v1/sites', { body: site })).status).toBe(201);
  });

  it('refuses a cross-site sign-in form post', async () => {
    await signInAs(beckon, 'viewer', 'csrf@example.com', 'a long passphrase');
    const res = await signIn('csrf@example.com', 'a long passphrase', {
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('signs out one session, or every session with ?all=1', async () => {
    const email = 'multi@example.com';
    const first = await signInAs(beckon, 'marketer', email, 'a long passphrase');
    const second = signedIn(beckon, sessionCookieOf(await signIn(email, 'a long passphrase')), '');
    const third = signedIn(beckon, sessionCookieOf(await signIn(email, 'a long passphrase')), '');

    const out = await first.call('/v1/session', { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/beckon_session=;.*Max-Age=0/);
    expect((await first.call('/v1/session')).status).toBe(401);
    expect((await first.call('/v1/sites')).status).toBe(401);
    expect((await second.call('/v1/session')).status).toBe(200);

    expect((await second.call('/v1/session?all=1', { method: 'DELETE' })).status).toBe(204);
    expect((await second.call('/v1/sites')).status).toBe(401);
    expect((await third.call('/v1/sites')).status).toBe(401);
  });

  it('refuses a cross-site sign-out', async () => {
    const me = await signInAs(beckon, 'viewer');
    const res = await me.call('/v1/session', { method: 'DELETE', origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect((await me.call('/v1/session')).status).toBe(200);
  });

  it('shows a new API key once, lists it without the key, and revokes it at once', async () => {
    const created = await beckon.api('/v1/api-keys', { body: { name: 'CI' } });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; name: string; key: string; prefix: string };
    expect(key).toMatchObject({ name: 'CI' });
    expect(key.key.startsWith(key.prefix)).toBe(true);

    const listed = await (await beckon.api('/v1/api-keys')).text();
    expect(listed).toContain(key.id);
    expect(listed).not.toContain(key.key);

    const asKey = () =>
      fetch(`${beckon.url}/v1/sites`, { headers: { authorization: `Bearer ${key.key}` } });
    expect((await asKey()).status).toBe(200);
    expect((await beckon.api(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await asKey()).status).toBe(401);
    expect((await beckon.api(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('invites a person with a one-time link, changes their role and removes them everywhere', async () => {
    const invited = await beckon.api('/v1/team', {
      body: { email: 'dora@example.com', role: 'viewer' },
    });
    expect(invited.status).toBe(201);
    const member = (await invited.json()) as { id: string; inviteUrl: string; active: boolean };
    expect(member.active).toBe(false);
    const link = new URL(member.inviteUrl);
    expect(link.pathname).toBe('/dashboard/set-password');
    const token = link.searchParams.get('token')!;

    // No password yet: signing in fails like any wrong password.
    expect((await signIn('dora@example.com', 'doras new password')).status).toBe(401);
    expect((await post('/v1/session/password', { token, password: 'short' })).status).toBe(400);
    const set = await post('/v1/session/password', { token, password: 'doras new password' });
    expect(set.status).toBe(200);
    expect(
      (await post('/v1/session/password', { token, password: 'another password' })).status,
    ).toBe(400);
    const dora = signedIn(beckon, sessionCookieOf(set), member.id);
    expect(
      (await dora.call('/v1/sites', { body: { name: 'x', origins: ['https://x.example'] } }))
        .status,
    ).toBe(403);

    const promoted = await beckon.api(`/v1/team/${member.id}`, {
      method: 'PATCH',
      body: { role: 'marketer' },
    });
    expect(promoted.status).toBe(200);
    expect(await promoted.json()).toMatchObject({ role: 'marketer', active: true });
    expect((await dora.call('/v1/session')).status).toBe(200);
    expect(
      ((await (await dora.call('/v1/session')).json()) as { user: { role: string } }).user.role,
    ).toBe('marketer');

    const again = await beckon.api('/v1/team', {
      body: { email: 'DORA@example.com', role: 'owner' },
    });
    expect(again.status).toBe(409);

    expect((await beckon.api(`/v1/team/${member.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await dora.call('/v1/sites')).status).toBe(401);
    expect((await signIn('dora@example.com', 'doras new password')).status).toBe(401);
  });

  it('keeps at least one owner', async () => {
    const team = (await (await beckon.api('/v1/team')).json()) as {
      data: Array<{ id: string; role: string }>;
    };
    const owners = team.data.filter((p) => p.role === 'owner');
    for (const owner of owners.slice(1)) {
      expect((await beckon.api(`/v1/team/${owner.id}`, { method: 'DELETE' })).status).toBe(204);
    }
    const last = owners[0]!;
    const demote = await beckon.api(`/v1/team/${last.id}`, {
      method: 'PATCH',
      body: { role: 'viewer' },
    });
    expect(demote.status).toBe(409);
    expect((await beckon.api(`/v1/team/${last.id}`, { method: 'DELETE' })).status).toBe(409);
  });

  // Last: it moves the server's clock.
  it('ends a session after 14 days, and the retention job deletes it', async () => {
    const me = await signInAs(beckon, 'viewer');
    expect((await me.call('/v1/session')).status).toBe(200);
    beckon.advanceClock(SESSION_TTL_MS + 1_000);
    expect((await me.call('/v1/session')).status).toBe(401);
    expect((await me.call('/v1/sites')).status).toBe(401);
    const prune = createPrune({
      store: beckon.store,
      clock: () => Date.now() + SESSION_TTL_MS + 1_000,
    });
    while (await prune.runOnce());
    const left = await beckon.store.db.kysely.selectFrom('sessions').select('token_hash').execute();
    expect(left).toEqual([]);
  });
});
