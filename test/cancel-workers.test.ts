import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../packages/server/src/storage/database.ts';
import { newId } from '../packages/server/src/storage/ids.ts';
import { eventually } from './support/beckon.ts';
import { testDatabase, type TestDatabase } from './support/databases.ts';
import { freePort, runBeckon, spawnBeckon, waitForExit } from './support/process.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

const SUBSCRIBERS = 2_000;

/**
 * The cancel reaches other processes through the database: an API-only `beckon serve`
 * takes the cancel while two `beckon worker` processes are in the middle of the fan-out.
 */
describe('cancel with two worker processes on PostgreSQL', () => {
  let push: LocalPushService;
  let database: TestDatabase;
  const processes: ChildProcess[] = [];
  let api: (path: string, body?: unknown) => Promise<Response>;

  beforeAll(async () => {
    push = await createLocalPushService();
    database = testDatabase('postgres');
    const env = {
      BECKON_DATABASE_URL: database.url,
      BECKON_PUSH_ORIGINS_ALLOW: push.origin,
      BECKON_POLL_MS: '20',
    };
    const init = JSON.parse(await runBeckon(['init', '--json'], env)) as {
      apiKey: string;
      siteId: string;
    };
    const db = await openDatabase(database.url);
    try {
      const site = await db.kysely
        .selectFrom('sites')
        .select('workspace_id')
        .where('id', '=', init.siteId)
        .executeTakeFirstOrThrow();
      const subscribers = push.createSubscribers(SUBSCRIBERS);
      const now = Date.now();
      for (let i = 0; i < SUBSCRIBERS; i += 500) {
        await db.kysely
          .insertInto('subscribers')
          .values(
            subscribers.slice(i, i + 500).map((s) => ({
              id: newId('sub'),
              workspace_id: site.workspace_id,
              site_id: init.siteId,
              endpoint: s.endpoint,
              p256dh: s.keys.p256dh,
              auth: s.keys.auth,
              expiration_time: null,
              timezone: null,
              language: null,
              anonymous_id: null,
              external_id: null,
              created_at: now,
              last_seen_at: now,
            })),
          )
          .execute();
      }
    } finally {
      await db.close();
    }
    const port = await freePort();
    processes.push(await spawnBeckon('serve', { ...env, BECKON_WORKERS: 'off' }, port));
    api = (path, body) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    for (let i = 0; i < 2; i++) processes.push(await spawnBeckon('worker', env, 0));
  });

  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await Promise.all(processes.map(waitForExit));
    await push.close();
    await database.drop();
  });

  it('stops both workers: fewer than all arrive, none after a settle, and the counts add up', async () => {
    const campaign = (await (
      await api('/v1/campaigns', { name: 'Flash', messages: [{ title: 'Flash', body: '' }] })
    ).json()) as { id: string };
    // Slow answers keep both workers on the network long enough to cancel in the middle.
    push.respondWith('*', { delayMs: 100 });
    const accepted = await api('/v1/notifications', {
      campaignId: campaign.id,
      target: { all: true },
    });
    expect(accepted.status).toBe(202);
    const { notificationId } = (await accepted.json()) as { notificationId: string };
    await eventually(async () => push.messages.length >= 20, {
      what: 'the first pushes',
      timeoutMs: 30_000,
      intervalMs: 10,
    });
    const cancelled = await api(`/v1/notifications/${notificationId}/cancel`, {});
    expect(cancelled.status, await cancelled.clone().text()).toBe(200);
    const answer = (await cancelled.json()) as { status: string; counts: Record<string, number> };
    expect(answer.status).toBe('cancelled');
    expect(answer.counts.pending).toBe(0);

    let last = -1;
    for (let i = 0; i < 60 && push.messages.length !== last; i++) {
      last = push.messages.length;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const settled = push.messages.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(push.messages.length).toBe(settled);
    expect(settled).toBeLessThan(SUBSCRIBERS);
    expect(new Set(push.messages.map((m) => m.subscriberId)).size).toBe(settled);

    const { counts } = await eventually(
      async () => {
        const n = (await (await api(`/v1/notifications/${notificationId}`)).json()) as {
          status: string;
          counts: Record<string, number>;
        };
        return n.counts.delivered === settled ? n : undefined;
      },
      { what: 'the workers to record what they had in flight', timeoutMs: 20_000 },
    );
    expect(counts.pending).toBe(0);
    expect(counts.delivered! + counts.failed! + counts.cancelled!).toBe(counts.targeted);
    expect(counts.cancelled).toBeGreaterThan(0);
  });
});
