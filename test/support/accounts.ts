import type { Role } from '../../packages/server/src/storage/schema.ts';
import type { TestBeckon } from './beckon.ts';

/** A signed-in person: `call` sends their cookie (and, for writes, the dashboard's Origin). */
export interface SignedIn {
  cookie: string;
  userId: string;
  call(
    path: string,
    init?: { method?: string; body?: unknown; origin?: string | null },
  ): Promise<Response>;
}

/** The `name=value` of the session cookie a response set. */
export function sessionCookieOf(res: Response): string {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('beckon_session='));
  if (!header) throw new Error(`no session cookie in ${res.status} answer`);
  return header.split(';', 1)[0]!;
}

/** Makes an account in the test workspace through the store, sets its password through the API, signs in. */
export async function signInAs(
  beckon: TestBeckon,
  role: Role,
  email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`,
  password = 'correct horse battery',
): Promise<SignedIn> {
  const workspace = (await (await beckon.api('/v1/organization')).json()) as { id: string };
  const created = await beckon.store.accounts.create(
    { workspaceId: workspace.id, email, role },
    Date.now(),
  );
  if (!created) throw new Error(`${email} exists`);
  const set = await fetch(`${beckon.url}/v1/session/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: created.token, password }),
  });
  if (set.status !== 200) throw new Error(`set password: ${set.status} ${await set.text()}`);
  return signedIn(beckon, sessionCookieOf(set), created.account.id);
}

export function signedIn(beckon: TestBeckon, cookie: string, userId: string): SignedIn {
  return {
    cookie,
    userId,
    call(path, init = {}) {
      const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
      const origin = init.origin === undefined ? beckon.url : init.origin;
      return fetch(beckon.url + path, {
        method,
        headers: {
          cookie,
          ...(origin !== null && { origin }),
          ...(init.body !== undefined && { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    },
  };
}
