import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrune } from '../packages/server/src/retention/prune.ts';
import { newId } from '../packages/server/src/storage/ids.ts';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Retention (issue 9, finding 8): per-workspace windows set with PATCH /v1/organization,
 * applied by the prune job in small batches; rows older than the window go, newer stay.
 */
describe.each(DIALECTS)('retention on %s', (dialect) => {
  let beckon: TestBeckon;
  let a: string;
  let b: string;
  let bKey: string;
  const now = Date.now();

  const db = () => beckon.store.db.kysely;
  const patch = (body: unknown, key?: string) =>
    beckon.api('/v1/organization', {
      method: 'PATCH',
      body,
      ...(key && { headers: { authorization: `Bearer ${key}` } }),
    });

  beforeAll(async () => {
    beckon = await startBeckon({ dialect, workers: false });
    a = (await beckon.store.workspaces.findByApiKey(beckon.apiKey))!.id;
    bKey = (await initWorkspace(beckon.store, { name: 'B' }, now)).apiKey;
    b = (await beckon.store.workspaces.findByApiKey(bKey))!.id;
  });

  afterAll(async () => {
    await beckon?.stop();
  });

  it('shows the default retention and refuses values below one day, changing nothing', async () => {
    const org = (await (await beckon.api('/v1/organization')).json()) as { retention: unknown };
    expect(org.retention).toEqual({ eventsDays: 90, deliveriesDays: 180, jobsDays: 30 });
    for (const retention of [
      { eventsDays: 0 },
      { jobsDays: -1 },
      { deliveriesDays: 1.5 },
      { eventsDays: '7' },
      { forever: true },
    ]) {
      const res = await patch({ retention });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const after = (await (await beckon.api('/v1/organization')).json()) as { retention: unknown };
    expect(after.retention).toEqual({ eventsDays: 90, deliveriesDays: 180, jobsDays: 30 });
  });

  it('changes only the retention values given, for the calling workspace only', async () => {
    const res = await patch({ retention: { eventsDays: 1, jobsDays: 1 } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { retention: unknown }).retention).toEqual({
      eventsDays: 1,
      deliveriesDays: 180,
      jobsDays: 1,
    });
    await patch({ retention: { deliveriesDays: 1 } });
    expect(await beckon.store.workspaces.retention(a)).toEqual({
      eventsDays: 1,
      deliveriesDays: 1,
      jobsDays: 1,
    });
    expect(await beckon.store.workspaces.retention(b)).toEqual({
      eventsDays: 90,
      deliveriesDays: 180,
      jobsDays: 30,
    });
  });

  it("deletes what is older than each workspace's windows, in batches, and keeps the rest", async () => {
    // A keeps 1 day of everything (set above); B has the defaults 90 / 180 / 30.
    const event = (workspace: string, occurred: number, received = occurred) => {
      const id = newId('evt');
      return db()
        .insertInto('events')
        .values({
          id,
          workspace_id: workspace,
          site_id: null,
          subscriber_id: null,
          anonymous_id: null,
          external_id: 'ann',
          type: 'track',
          name: 'Viewed',
          properties: '{}',
          message_id: null,
          occurred_at: occurred,
          received_at: received,
        })
        .execute()
        .then(() => id);
    };
    const delivery = (workspace: string, finished: number | null) => {
      const id = newId('dlv');
      return db()
        .insertInto('deliveries')
        .values({
          id,
          notification_id: newId('ntf'),
          workspace_id: workspace,
          subscriber_id: newId('sub'),
          site_id: 'site',
          campaign_id: 'cmp_retention',
          message_id: 'm',
          status: finished === null ? 'queued' : 'delivered',
          next_attempt_at: now - 300 * DAY,
          lease_until: null,
          expires_at: now + DAY,
          sent_at: now - 300 * DAY,
          finished_at: finished,
          last_error: null,
        })
        .execute()
        .then(() => id);
    };
    const job = (workspace: string, status: 'succeeded' | 'failed' | 'queued', updated: number) => {
      const id = newId('job');
      return db()
        .insertInto('jobs')
        .values({
          id,
          workspace_id: workspace,
          kind: 'test',
          status,
          payload: '{}',
          progress_done: 0,
          progress_total: 0,
          result: null,
          error: null,
          run_at: updated,
          lease_until: null,
          created_at: updated,
          updated_at: updated,
        })
        .execute()
        .then(() => id);
    };
    const trigger = async (workspace: string, reentry: string | null) => {
      const id = newId('trg');
      await db()
        .insertInto('triggers')
        .values({
          id,
          workspace_id: workspace,
          name: 't',
          on_event: 'Viewed',
          definition: '{"on":{"event":"Viewed"},"steps":[]}',
          reentry,
          active: 1,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return id;
    };
    const run = (workspace: string, triggerId: string, status: 'done' | 'waiting', at: number) => {
      const id = newId('run');
      return db()
        .insertInto('trigger_runs')
        .values({
          id,
          trigger_id: triggerId,
          workspace_id: workspace,
          external_id: 'ann',
          subscriber_id: null,
          properties: '{}',
          chain: '[]',
          started_at: at,
          step: 0,
          status,
          wake_at: at,
          lease_until: null,
          created_at: at,
          updated_at: at,
        })
        .execute()
        .then(() => id);
    };

    const gone: Record<string, string[]> = { events: [], deliveries: [], jobs: [], runs: [] };
    const kept: Record<string, string[]> = { events: [], deliveries: [], jobs: [], runs: [] };
    for (let i = 0; i < 5; i++) gone.events!.push(await event(a, now - 2 * DAY));
    // A client's timestamp in the future does not keep a row past its window.
    gone.events!.push(await event(a, now + 365 * DAY, now - 2 * DAY));
    kept.events!.push(await event(a, now - HOUR));
    kept.events!.push(await event(b, now - 2 * DAY));
    gone.events!.push(await event(b, now - 100 * DAY));

    const oldA = await delivery(a, now - 2 * DAY);
    gone.deliveries!.push(oldA);
    kept.deliveries!.push(await delivery(a, null)); // still queued: never pruned
    kept.deliveries!.push(await delivery(a, now - HOUR));
    kept.deliveries!.push(await delivery(b, now - 2 * DAY));
    gone.deliveries!.push(await delivery(b, now - 200 * DAY));
    await db()
      .insertInto('receipts')
      .values({ delivery_id: oldA, kind: 'shown', action: null, at: now - 2 * DAY })
      .execute();
    await db()
      .insertInto('campaign_stats')
      .values({
        campaign_id: 'cmp_retention',
        message_id: 'm',
        sent: 5,
        delivered: 5,
        failed: 0,
        capped: 0,
        shown: 1,
        clicked: 0,
        closed: 0,
      })
      .execute();

    gone.jobs!.push(await job(a, 'succeeded', now - 2 * DAY));
    kept.jobs!.push(await job(a, 'queued', now - 2 * DAY));
    kept.jobs!.push(await job(b, 'succeeded', now - 2 * DAY));
    gone.jobs!.push(await job(b, 'failed', now - 40 * DAY));

    const plain = await trigger(a, null);
    const once = await trigger(a, '{"once":true}');
    gone.runs!.push(await run(a, plain, 'done', now - 2 * DAY));
    kept.runs!.push(await run(a, plain, 'waiting', now - 2 * DAY));
    kept.runs!.push(await run(a, once, 'done', now - 2 * DAY)); // re-entry is decided from it

    for (const [sentAt, subscriber] of [
      [now - 3 * DAY, 'sub_old'],
      [now - DAY, 'sub_new'],
    ] as const) {
      await db()
        .insertInto('push_log')
        .values({ subscriber_id: subscriber, campaign_id: 'c', sent_at: sentAt })
        .execute();
    }
    for (const [createdAt, key] of [
      [now - 25 * HOUR, 'old'],
      [now - HOUR, 'new'],
    ] as const) {
      await db()
        .insertInto('idempotency_keys')
        .values({ workspace_id: a, key, response: '{}', created_at: createdAt })
        .execute();
    }

    // Tiny batches and budget, so the job must come back over several ticks; two pruners at
    // once, as two worker processes would run it.
    const pruner = () =>
      createPrune({
        store: beckon.store,
        clock: () => now,
        options: { batchSize: 2, maxBatchesPerTick: 3, workspacesPerPage: 1 },
      });
    const [one, two] = [pruner(), pruner()];
    let ticks = 0;
    for (let more = true; more && ticks < 100; ticks++) {
      const busy = await Promise.all([one.runOnce(), two.runOnce()]);
      more = busy.some(Boolean);
    }
    expect(ticks).toBeGreaterThan(1);
    expect(ticks).toBeLessThan(100);

    const ids = async (table: 'events' | 'deliveries' | 'jobs' | 'trigger_runs') =>
      (await db().selectFrom(table).select('id').execute()).map((r) => r.id);
    const tables = {
      events: 'events',
      deliveries: 'deliveries',
      jobs: 'jobs',
      runs: 'trigger_runs',
    } as const;
    for (const [name, table] of Object.entries(tables)) {
      const left = await ids(table);
      for (const id of gone[name]!) expect(left, `${name} ${id} gone`).not.toContain(id);
      for (const id of kept[name]!) expect(left, `${name} ${id} kept`).toContain(id);
    }
    expect(await db().selectFrom('receipts').selectAll().execute()).toEqual([]);
    const stats = await db()
      .selectFrom('campaign_stats')
      .selectAll()
      .where('campaign_id', '=', 'cmp_retention')
      .executeTakeFirstOrThrow();
    expect(Number(stats.delivered)).toBe(5);
    expect(Number(stats.shown)).toBe(1);
    const pushLog = await db().selectFrom('push_log').select('subscriber_id').execute();
    expect(pushLog.map((r) => r.subscriber_id)).toEqual(['sub_new']);
    const keys = await db().selectFrom('idempotency_keys').select('key').execute();
    expect(keys.map((r) => r.key)).toEqual(['new']);

    // Nothing more goes on another pass.
    for (let i = 0; i < 100 && (await one.runOnce()); i++);
    expect((await ids('events')).length).toBe(kept.events!.length);
  });
});
