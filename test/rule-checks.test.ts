import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../packages/server/src/storage/ids.ts';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';

interface Problem {
  status: number;
  errors: Array<{ path: string; message: string }>;
}

/**
 * Rules and trigger conditions are checked when saved (issue 9, finding 7): a rule its SQL
 * cannot run is a 400 naming the exact path and nothing is stored; a bad rule stored
 * earlier (a legacy row) does not break `GET /v1/users/{id}`.
 */
describe.each(DIALECTS)('rule checks on %s', (dialect) => {
  let beckon: TestBeckon;

  const send = async <T>(path: string, body?: unknown, method?: string) => {
    const res = await beckon.api(path, { body, ...(method && { method }) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const names = async (path: string) =>
    (await send<{ data: Array<{ name: string }> }>(path)).body.data.map((x) => x.name);

  beforeAll(async () => {
    beckon = await startBeckon({ dialect, workers: false });
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: {
          endpoint: 'https://fcm.googleapis.com/fcm/send/rule-checks',
          keys: {
            p256dh:
              'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
            auth: 'tBHItJI5svbpez7KI4CCXg',
          },
        },
        externalId: 'ann',
        userHash: beckon.userHash('ann'),
      }),
    });
    expect(res.status).toBe(201);
    await beckon.api('/v1/users/ann', { method: 'PUT', body: { plan: 'pro' } });
  });

  afterAll(async () => {
    await beckon?.stop();
  });

  it.each([
    [
      { event: { name: 'Paid', where: { plan: { contains: true } } } },
      'rule.event.where.plan.contains',
    ],
    [{ trait: { plan: { contains: { a: 1 } } } }, 'rule.trait.plan.contains'],
    [{ trait: { age: { gt: false } } }, 'rule.trait.age.gt'],
    [{ trait: { plan: { in: 'pro' } } }, 'rule.trait.plan.in'],
    [{ trait: { plan: { like: 'p%' } } }, 'rule.trait.plan.like'],
    [{ event: { name: 'Paid', within: 'a month' } }, 'rule.event.within'],
    [{ event: { name: 'Paid', count: { gte: 'two' } } }, 'rule.event.count.gte'],
    [{ all: [{ category: 'x' }, { inAudience: 'aud_missing' }] }, 'rule.all.1.inAudience'],
  ])('refuses the rule %j with 400 at %s and stores nothing', async (rule, path) => {
    const name = `bad ${path}`;
    const res = await send<Problem>('/v1/audiences', { name, rule });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.path)).toContain(path);
    expect(await names('/v1/audiences')).not.toContain(name);
  });

  it("refuses an inAudience naming another workspace's audience as if it did not exist", async () => {
    const other = await initWorkspace(beckon.store, { name: 'Other' }, Date.now());
    const res = await fetch(`${beckon.url}/v1/audiences`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Theirs' }),
    });
    const theirs = ((await res.json()) as { id: string }).id;
    const mine = await send<Problem>('/v1/audiences', {
      name: 'Nested foreign',
      rule: { inAudience: theirs },
    });
    expect(mine.status).toBe(400);
    expect(mine.body.errors).toEqual([
      { path: 'rule.inAudience', message: `no such audience ${theirs}` },
    ]);
  });

  it('refuses a PATCH to a rule SQL cannot run and keeps the stored rule', async () => {
    const created = await send<{ id: string }>('/v1/audiences', {
      name: 'Pros',
      rule: { trait: { plan: 'pro' } },
    });
    const res = await send<Problem>(
      `/v1/audiences/${created.body.id}`,
      { rule: { trait: { plan: { contains: 1.5, eq: [1] } } } },
      'PATCH',
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0]!.path).toBe('rule.trait.plan.eq');
    const stored = await send<{ rule: unknown }>(`/v1/audiences/${created.body.id}`);
    expect(stored.body.rule).toEqual({ trait: { plan: 'pro' } });
  });

  it.each([
    [{ on: { event: 'Paid', where: { plan: { contains: false } } } }, 'on.where.plan.contains'],
    [
      { steps: [{ wait: 'PT1H' }, { unless: { event: 'Refund', where: { n: { in: [[1]] } } } }] },
      'steps.1.unless.where.n.in.0',
    ],
    [{ steps: [{ wait: 'soon' }] }, 'steps.0.wait'],
  ])('refuses the trigger %j with 400 at %s and stores nothing', async (part, path) => {
    const name = `bad ${path}`;
    const res = await send<Problem>('/v1/triggers', {
      name,
      on: { event: 'Paid' },
      steps: [{ wait: 'PT1H' }],
      ...part,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.path)).toContain(path);
    expect(await names('/v1/triggers')).not.toContain(name);
  });

  it('keeps GET /v1/users/{id} working when a rule stored before these checks cannot run', async () => {
    const good = await send<{ id: string }>('/v1/audiences', {
      name: 'Pro users',
      rule: { trait: { plan: 'pro' } },
    });
    await beckon.store.db.kysely
      .insertInto('audiences')
      .values({
        id: newId('aud'),
        workspace_id: (await beckon.store.workspaces.findByApiKey(beckon.apiKey))!.id,
        name: 'Legacy',
        key: 'legacy',
        rule: JSON.stringify({ trait: { plan: { contains: true } } }),
        created_at: Date.now(),
        updated_at: Date.now(),
      })
      .execute();
    const user = await send<{ audiences: Array<{ id: string; name: string }> }>('/v1/users/ann');
    expect(user.status).toBe(200);
    expect(user.body.audiences.map((a) => a.name)).toContain('Pro users');
    expect(user.body.audiences.map((a) => a.name)).not.toContain('Legacy');
    expect(good.status).toBe(201);
  });

  it('shows a legacy rule that cannot run with size null and its reason, without breaking the list', async () => {
    const id = newId('aud');
    await beckon.store.db.kysely
      .insertInto('audiences')
      .values({
        id,
        workspace_id: (await beckon.store.workspaces.findByApiKey(beckon.apiKey))!.id,
        name: 'Legacy too',
        key: 'legacy_too',
        rule: JSON.stringify({ trait: { plan: { contains: true } } }),
        created_at: Date.now(),
        updated_at: Date.now(),
      })
      .execute();
    const one = await send<{ size: unknown; ruleError: string }>(`/v1/audiences/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.size).toBe(null);
    expect(one.body.ruleError).toMatch(/contains/);
    const list = await send<{ data: Array<{ id: string; size: unknown }> }>(
      '/v1/audiences?limit=100',
    );
    expect(list.status).toBe(200);
    expect(list.body.data.find((a) => a.id === id)?.size).toBe(null);
    expect(list.body.data.some((a) => a.size !== null)).toBe(true);
  });
});
