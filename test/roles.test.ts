import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../packages/server/src/storage/schema.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import { listTables, tableRows, type TableInfo } from './support/tables.ts';

/** Who may call a route: anyone signed in or not (`public`), or this role and those above it. */
type Needs = 'public' | Role;

/**
 * Every private route and the least role that may call it (API.md "Dashboard and accounts":
 * owner everything; marketer all but API keys, team and secrets; viewer GET only). A new
 * route needs one line here, or the coverage test fails: no route can forget its rule.
 */
const RULES: Record<string, Needs> = {
  'POST /v1/session': 'public',
  'POST /v1/session/password': 'public',
  'GET /v1/session': 'viewer',
  'DELETE /v1/session': 'viewer',
  'GET /v1/organization': 'viewer',
  'PATCH /v1/organization': 'marketer',
  'GET /v1/jobs/:id': 'viewer',
  'POST /v1/sites': 'marketer',
  'GET /v1/sites': 'viewer',
  'GET /v1/sites/:id': 'viewer',
  'PATCH /v1/sites/:id': 'marketer',
  'POST /v1/sites/:id/identity-secret': 'owner',
  'POST /v1/sites/:id/subscriptions/import': 'marketer',
  'GET /v1/subscribers': 'viewer',
  'GET /v1/subscribers/:id': 'viewer',
  'GET /v1/subscribers/:id/activity': 'viewer',
  'DELETE /v1/subscribers/:id': 'marketer',
  'POST /v1/audiences': 'marketer',
  'GET /v1/audiences': 'viewer',
  'POST /v1/audiences/preview': 'marketer',
  'GET /v1/audiences/:id': 'viewer',
  'PATCH /v1/audiences/:id': 'marketer',
  'DELETE /v1/audiences/:id': 'marketer',
  'POST /v1/audiences/:id/members': 'marketer',
  'GET /v1/audiences/:id/members': 'viewer',
  'POST /v1/campaigns': 'marketer',
  'GET /v1/campaigns': 'viewer',
  'GET /v1/campaigns/:id': 'viewer',
  'PATCH /v1/campaigns/:id': 'marketer',
  'GET /v1/campaigns/:id/stats': 'viewer',
  'GET /v1/stats/subscribers': 'viewer',
  'GET /v1/stats/pushes': 'viewer',
  'POST /v1/notifications': 'marketer',
  'GET /v1/notifications': 'viewer',
  'GET /v1/notifications/:id': 'viewer',
  'POST /v1/notifications/:id/cancel': 'marketer',
  'POST /v1/triggers': 'marketer',
  'GET /v1/triggers': 'viewer',
  'GET /v1/triggers/:id': 'viewer',
  'PATCH /v1/triggers/:id': 'marketer',
  'DELETE /v1/triggers/:id': 'marketer',
  'PUT /v1/users/:externalId': 'marketer',
  'GET /v1/users/:externalId': 'viewer',
  'DELETE /v1/users/:externalId': 'marketer',
  'POST /v1/identify': 'marketer',
  'POST /v1/track': 'marketer',
  'POST /v1/page': 'marketer',
  'POST /v1/screen': 'marketer',
  'POST /v1/group': 'marketer',
  'POST /v1/alias': 'marketer',
  'POST /v1/batch': 'marketer',
  'GET /v1/webhooks': 'owner',
  'POST /v1/webhooks': 'owner',
  'GET /v1/webhooks/:id': 'owner',
  'PATCH /v1/webhooks/:id': 'owner',
  'DELETE /v1/webhooks/:id': 'owner',
  'GET /v1/webhooks/:id/deliveries': 'owner',
  'GET /v1/api-keys': 'owner',
  'POST /v1/api-keys': 'owner',
  'DELETE /v1/api-keys/:id': 'owner',
  'GET /v1/team': 'owner',
  'POST /v1/team': 'owner',
  'PATCH /v1/team/:userId': 'owner',
  'DELETE /v1/team/:userId': 'owner',
};

const RANK: Record<Needs, number> = { public: 0, viewer: 1, marketer: 2, owner: 3 };
const may = (role: Role, needs: Needs) => RANK[role] >= RANK[needs];

/** Private routes as the tenancy test sees them: /v1 but the public, siteKey ones. */
function privateRoutes(app: TestBeckon['app']): string[] {
  return [
    ...new Set(
      app.routes
        .filter((r) => r.method !== 'ALL' && r.method !== 'OPTIONS')
        .filter((r) => r.path.startsWith('/v1/') && !r.path.startsWith('/v1/sites/:siteKey'))
        .map((r) => `${r.method} ${r.path}`),
    ),
  ].sort();
}

describe.each(DIALECTS)('roles on %s', (dialect) => {
  let beckon: TestBeckon;
  let tables: TableInfo[];
  let workspaceId: string;
  const accounts = {} as Record<Role, { id: string; email: string }>;

  async function snapshot(): Promise<string[]> {
    const rows = [];
    for (const table of tables) {
      if (table.name === 'sessions') continue; // each probe signs in afresh
      for (const row of await tableRows(beckon.store.db, table)) rows.push(`${table.name} ${row}`);
    }
    return rows;
  }

  /** One request as `role`, with a fresh session (a probe may sign itself out). */
  async function as(role: Role, route: string): Promise<Response> {
    const [method, path] = route.split(' ') as [string, string];
    const account = await beckon.store.accounts.get(workspaceId, accounts[role].id);
    const token = await beckon.store.sessions.create(account!, Date.now());
    return fetch(beckon.url + path.replaceAll(/:\w+/g, 'nope'), {
      method,
      headers: {
        cookie: `beckon_session=${token}`,
        origin: beckon.url,
        ...(method !== 'GET' && method !== 'DELETE' && { 'content-type': 'application/json' }),
      },
      body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
    });
  }

  beforeAll(async () => {
    beckon = await startBeckon({ dialect, workers: false });
    tables = await listTables(beckon.store.db);
    workspaceId = ((await (await beckon.api('/v1/organization')).json()) as { id: string }).id;
    for (const role of ['owner', 'marketer', 'viewer'] as const) {
      const created = await beckon.store.accounts.create(
        { workspaceId, email: `${role}@roles.example`, role },
        Date.now(),
      );
      accounts[role] = { id: created!.account.id, email: created!.account.email };
    }
  });
  afterAll(async () => {
    await beckon?.stop();
  });

  it('has a role rule for every private route the app registers, and no stale one', () => {
    const registered = privateRoutes(beckon.app);
    expect(
      registered.filter((r) => !(r in RULES)),
      'routes without a rule',
    ).toEqual([]);
    expect(
      Object.keys(RULES).filter((r) => !registered.includes(r)),
      'rules of no route',
    ).toEqual([]);
  });

  for (const [route, needs] of Object.entries(RULES)) {
    for (const role of ['viewer', 'marketer', 'owner'] as const) {
      const allowed = may(role, needs);
      it(`${allowed ? 'lets' : 'forbids'} a ${role} ${route}`, async () => {
        const before = allowed ? [] : await snapshot();
        const res = await as(role, route);
        const text = await res.text();
        if (allowed) {
          expect(res.status, text).not.toBe(403);
          expect(res.status, text).not.toBe(401);
        } else {
          expect(res.status, text).toBe(403);
          expect(res.headers.get('content-type')).toMatch(/problem\+json/);
          expect(await snapshot()).toEqual(before);
        }
      });
    }
  }
});
