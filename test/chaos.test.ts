import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../packages/server/src/storage/database.ts';
import { newId } from '../packages/server/src/storage/ids.ts';
import { eventually } from './support/beckon.ts';
import { testDatabase, type TestDatabase } from './support/databases.ts';
import { freePort, runBeckon, spawnBeckon, waitForExit } from './support/process.ts';
import {
  createLocalPushService,
  pushed,
  type LocalPushService,
} from './support/push-service/index.ts';

const BROADCAST = 2_000;
const USERS = 20;
const CONCURRENCY = 50;
/** Outcomes per group commit: answered, commit under way when the worker dies. */
const GROUP = 32;

/**
 * Delivery under pressure (issue 11), several processes on one PostgreSQL database: two
 * `beckon serve` (each runs workers too) and two `beckon worker`. A broadcast goes out while
 * single-user sends keep coming through both servers; one worker is killed with SIGKILL
 * mid-way; the push service answers slowly, then with a burst of 500s, then 429s with
 * Retry-After. Every subscriber gets the broadcast once — twice at most for the killed
 * worker's in-flight window — every single-user send arrives, and nothing arrives after
 * its TTL.
 */
describe('chaos on postgres', () => {
  let push: LocalPushService;
  let database: TestDatabase;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    push = await createLocalPushService();
    database = testDatabase('postgres');
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(waitForExit));
    await push.close();
    await database.drop();
  });

  it('delivers every push once, bounded duplicates after kill -9, none after its TTL', async () => {
    const env = {
      BECKON_DATABASE_URL: database.url,
      BECKON_PUSH_ORIGINS_ALLOW: push.origin,
      // Long enough that a process starved of CPU on a busy machine keeps its leases: the
      // duplicates asserted below are the killed worker's, not a stalled survivor's.
      BECKON_LEASE_MS: '8000',
      BECKON_POLL_MS: '100',
      BECKON_RETRY_BASE_MS: '200',
      BECKON_PUSH_CONCURRENCY: String(CONCURRENCY),
      BECKON_RATE_LIMIT_PER_IP: '0',
    };
    const init = JSON.parse(await runBeckon(['init', '--json'], env)) as {
      apiKey: string;
      siteId: string;
    };
    await seed(init.siteId);

    const ports = [await freePort(), await freePort()];
    for (const port of ports) children.push(await spawnBeckon('serve', env, port));
    const workers = [
      await spawnBeckon('worker', env, await freePort()),
      await spawnBeckon('worker', env, await freePort()),
    ];
    children.push(...workers);
    // What the processes say, shown if the test fails (`expect` messages name it).
    let logs = '';
    children.forEach((child, i) => {
      child.stderr?.on('data', (d: Buffer) => (logs += `[${i}] ${d}`));
      child.on('exit', (code, signal) => (logs += `[${i}] exited ${code ?? signal}\n`));
    });
    let turn = 0;
    const api = async (path: string, body?: unknown) => {
      const port = ports[turn++ % ports.length];
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).catch((error: Error) => {
        throw new Error(`${path} on ${port}: ${error.message}\n${logs.slice(-3_000)}`);
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as Record<string, any>;
    };
    const campaign = await api('/v1/campaigns', {
      name: 'Sale',
      messages: [{ title: 'Sale', body: '' }],
    });

    // Slow answers, then a burst of 500s, then 429s with Retry-After, then normal service.
    push.respondWith('*', { delayMs: 150, times: 400 });
    push.respondWith('*', { status: 500, times: 500 });
    push.respondWith('*', { status: 429, retryAfter: 1, times: 300 });
    push.respondWith('*', { delayMs: 50, times: 500 });
    await api('/v1/notifications', { campaignId: campaign.id, target: { all: true }, ttl: 600 });

    const title = (m: { payload: string }) => pushed(m.payload).title;
    const broadcast = () => push.messages.filter((m) => title(m) === 'Sale');
    const singlesSent = new Map<string, number>();
    let short: { sentAt: number; answeredAt: number } | undefined;
    let killed = false;
    for (let i = 0; broadcast().length < BROADCAST + USERS && i < 400; i++) {
      const ping = `Ping ${i}`;
      singlesSent.set(ping, Date.now());
      await api('/v1/notifications', {
        campaignId: campaign.id,
        target: { externalIds: [`user-${i % USERS}`] },
        override: { title: ping },
        ttl: 600,
      });
      if (!short && broadcast().length > BROADCAST * 0.2) {
        // A notification that may live one second: whatever cannot go by then never goes.
        const sentAt = Date.now();
        await api('/v1/notifications', {
          campaignId: campaign.id,
          target: { externalIds: Array.from({ length: USERS }, (_, k) => `user-${k}`) },
          override: { title: 'Short' },
          ttl: 1,
        });
        short = { sentAt, answeredAt: Date.now() };
      }
      if (!killed && broadcast().length > BROADCAST * 0.3) {
        workers[0]!.kill('SIGKILL');
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(killed).toBe(true);
    await eventually(
      async () =>
        new Set(broadcast().map((m) => m.subscriberId)).size === BROADCAST + USERS &&
        [...singlesSent.keys()].every((ping) => push.messages.some((m) => title(m) === ping)),
      { what: 'every broadcast and single-user push', timeoutMs: 45_000, intervalMs: 200 },
    );

    const sale = broadcast();
    const duplicates = sale.length - new Set(sale.map((m) => m.subscriberId)).size;
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY + GROUP);
    const pings = push.messages.filter((m) => title(m).startsWith('Ping'));
    expect(pings.length - singlesSent.size).toBeLessThanOrEqual(CONCURRENCY + GROUP);
    // Nothing after its TTL: each Short push carried what was left of its one second (RFC 8030
    // §5.2; the server checks the TTL as the request leaves), and none came from a retry long
    // after it. The slack is transit on a busy machine, not a speed claim.
    expect(short).toBeDefined();
    for (const m of push.messages.filter((m) => title(m) === 'Short')) {
      expect(Number(m.headers.ttl)).toBeLessThanOrEqual(1);
      expect(m.receivedAt).toBeLessThanOrEqual(short!.answeredAt + 1_000 + 2_000);
    }
    const latencies = pings
      .map((m) => m.receivedAt - (singlesSent.get(title(m)) ?? 0))
      .sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.ceil(q * latencies.length) - 1];
    console.log(
      `chaos: ${sale.length} broadcast pushes to ${BROADCAST + USERS} subscribers (${duplicates} duplicates), ` +
        `${pings.length} single-user pushes for ${singlesSent.size} sends, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; ` +
        `${push.messages.filter((m) => title(m) === 'Short').length} of ${USERS} short-TTL pushes in time`,
    );
  }, 90_000);

  /** Subscribers written straight to the table (the API would take a transaction each). */
  async function seed(siteId: string) {
    const db = await openDatabase(database.url);
    try {
      // The workspace straight from the table: the store would want the secret key.
      const site = await db.kysely
        .selectFrom('sites')
        .select('workspace_id as workspaceId')
        .where('id', '=', siteId)
        .executeTakeFirstOrThrow();
      const now = Date.now();
      const subscribers = push.createSubscribers(BROADCAST + USERS);
      await db.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < subscribers.length; i += 500) {
          await trx
            .insertInto('subscribers')
            .values(
              subscribers.slice(i, i + 500).map((s, j) => ({
                id: newId('sub'),
                workspace_id: site.workspaceId,
                site_id: siteId,
                endpoint: s.endpoint,
                p256dh: s.keys.p256dh,
                auth: s.keys.auth,
                expiration_time: null,
                timezone: null,
                language: null,
                anonymous_id: null,
                external_id: i + j >= BROADCAST ? `user-${i + j - BROADCAST}` : null,
                created_at: now,
                last_seen_at: now,
              })),
            )
            .execute();
        }
      });
    } finally {
      await db.close();
    }
  }
});
