/**
 * `npm run bench:ingest [-- --db=sqlite|pg|both] [--seconds=3]` — Beckon's request paths
 * against a 10-line Hono server in the same run (bench/ingest/hono-baseline.ts), with
 * autocannon on this machine:
 *
 * - `POST /v1/track` (one event, c50) and the pixel `POST /v1/sites/{key}/events` (c50)
 *   against the baseline's JSON POST at c50;
 * - `POST /v1/batch` with 100 events a request (c50): events per second and p99;
 * - `POST /v1/notifications` to one user (c10) against the JSON POST at c10; its pushes go
 *   to the local push service (bench/fanout/push-service-child.ts);
 * - `GET /v1/subscribers` (one page of 50, c10) against the baseline's GET of 50 rows.
 *
 * Each path first runs for a third of its time unmeasured (the JIT settles). Afterwards every event whose request was answered 2xx must be in the database (by its
 * messageId); the run fails otherwise. `--db=both` (the default) runs SQLite, then
 * PostgreSQL (`BECKON_DATABASE_URL` or `BECKON_TEST_PG_URL` when it is a postgres:// URL,
 * else postgres://postgres@127.0.0.1:5432/test), each on a fresh database.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../packages/server/src/storage/database.ts';
import { benchDatabase } from './fanout/database.ts';
import { forkTs } from './fanout/ipc.ts';
import type { handlers as PushService } from './fanout/push-service-child.ts';
import { seed } from './fanout/seed.ts';
import { startServer } from './fanout/server-process.ts';
import { load, type LoadFigures } from './ingest/load.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    seconds: { type: 'string', default: '3' },
    users: { type: 'string', default: '1000' },
    only: { type: 'string', default: 'track,pixel,batch,notify,list' },
  },
});
const SECONDS = Number(values.seconds);
const USERS = Number(values.users);
if (!(SECONDS > 0 && SECONDS <= 120) || !(USERS >= 1 && USERS <= 100_000)) {
  throw new Error('--seconds: 1–120, --users: 1–100000');
}
const WARM_UP = Math.max(1, Math.round(SECONDS / 3));
const ONLY = new Set(values.only.split(','));
const dbs = values.db === 'both' ? ['sqlite', 'pg'] : [values.db];
if (dbs.some((d) => d !== 'sqlite' && d !== 'pg')) throw new Error('--db: sqlite, pg or both');
const PG_URL =
  [process.env.BECKON_DATABASE_URL, process.env.BECKON_TEST_PG_URL].find((u) =>
    u?.startsWith('postgres'),
  ) ?? 'postgres://postgres@127.0.0.1:5432/test';

const baseline = await startBaseline();
let failed = false;
try {
  for (const db of dbs) failed = !(await benchOn(db === 'pg' ? PG_URL : undefined)) || failed;
} finally {
  baseline.stop();
}
if (failed) process.exitCode = 1;

async function benchOn(url: string | undefined): Promise<boolean> {
  const database = benchDatabase(url);
  const caFile = join(tmpdir(), `beckon-bench-ca-${process.pid}.pem`);
  const push = forkTs<typeof PushService>(
    new URL('./fanout/push-service-child.ts', import.meta.url),
  );
  try {
    process.stderr.write(`\n${database.label}: seeding ${USERS} subscribed users…\n`);
    const { origin, ca } = await push.call('start', { decryptEvery: 50, subscribers: USERS });
    writeFileSync(caFile, ca);
    const seeded = await seed(
      database.url,
      (async function* () {
        yield await push.call('subscribers', { from: 0, to: USERS });
      })(),
    );
    await nameUsers(
      database.url,
      seeded.subscribers.map((s) => s.subscriberId),
    );
    const server = await startServer({
      BECKON_DATABASE_URL: database.url,
      BECKON_PUSH_ORIGINS_ALLOW: origin,
      BECKON_PUSH_CA_FILE: caFile,
      BECKON_RATE_LIMIT_PER_IP: '0',
      BECKON_RATE_LIMIT_PER_SITE: '0',
    });
    try {
      const auth = { authorization: `Bearer ${seeded.apiKey}`, 'content-type': 'application/json' };
      const campaign = await fetch(`${server.url}/v1/campaigns`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'Bench', messages: [{ title: 'Hi', body: 'Your order' }] }),
      });
      if (campaign.status !== 201) throw new Error(`campaign: ${await campaign.text()}`);
      const campaignId = ((await campaign.json()) as { id: string }).id;

      const accepted = new Set<string>();
      let n = 0;
      const id = () => `bench-${(n++).toString(36)}`;
      const post = (
        label: string,
        path: string,
        c: number,
        next: () => { body: string; ids?: string[] },
        headers: Record<string, string> = auth,
      ) =>
        load({
          label,
          url: server.url + path,
          method: 'POST',
          headers,
          connections: c,
          seconds: SECONDS,
          warmUp: WARM_UP,
          next,
          accepted,
          pid: server.child.pid,
        });
      const json = (c: number) =>
        load({
          label: `Hono JSON POST c${c}`,
          url: `${baseline.url}/json`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          connections: c,
          seconds: SECONDS,
          warmUp: WARM_UP,
          next: () => ({ body: trackBody(id()) }),
          pid: baseline.pid,
        });

      const post50 = await json(50);
      const track = await when('track', () =>
        post('POST /v1/track c50', '/v1/track', 50, () => {
          const m = id();
          return { body: trackBody(m), ids: [m] };
        }),
      );
      const pixel = await when('pixel', () =>
        post(
          'pixel POST /v1/sites/{key}/events c50',
          `/v1/sites/${seeded.siteKey}/events`,
          50,
          () => {
            const m = id();
            return {
              body: JSON.stringify({
                type: 'track',
                event: 'Product Viewed',
                anonymousId: `a-${m}`,
                messageId: m,
                properties: { sku: 'B-12', price: 19.9 },
              }),
              ids: [m],
            };
          },
          { 'content-type': 'application/json', origin: 'https://shop.example' },
        ),
      );
      const batch = await when('batch', () =>
        post('POST /v1/batch ×100 c50', '/v1/batch', 50, () => {
          const ids = Array.from({ length: 100 }, id);
          return {
            body: JSON.stringify({
              batch: ids.map((m) => ({ type: 'track', ...JSON.parse(trackBody(m)) })),
            }),
            ids,
          };
        }),
      );
      const post10 = await json(10);
      const notify = await when('notify', () =>
        post('POST /v1/notifications one user c10', '/v1/notifications', 10, () => ({
          body: JSON.stringify({ campaignId, target: { externalIds: [`u-${n++ % USERS}`] } }),
        })),
      );
      const get10 = await load({
        label: 'Hono GET 50 rows c10',
        url: `${baseline.url}/list`,
        pid: baseline.pid,
        method: 'GET',
        connections: 10,
        seconds: SECONDS,
        warmUp: WARM_UP,
      });
      const list = await when('list', () =>
        load({
          label: 'GET /v1/subscribers c10',
          url: `${server.url}/v1/subscribers?limit=50`,
          pid: server.child.pid,
          method: 'GET',
          headers: auth,
          connections: 10,
          seconds: SECONDS,
          warmUp: WARM_UP,
        }),
      );

      const missing = await missingEvents(database.url, accepted);
      const rows: Array<[LoadFigures | null, LoadFigures | null, string]> = [
        [post50, null, ''],
        [track, post50, '≥ 0.5×'],
        [pixel, post50, '≥ 0.5×'],
        [batch, null, '≥ 50,000 events/s, p99 < 250 ms'],
        [post10, null, ''],
        [notify, post10, '≥ 0.3×, p50 ≤ 10 ms'],
        [get10, null, ''],
        [list, get10, '≥ 0.25×'],
      ];
      process.stdout.write(`\n## ${database.label}, ${SECONDS} s a path (autocannon, same run)\n`);
      process.stdout.write(
        '| path | req/s | p50 ms | p99 ms | non-2xx | server CPU/req | ratio | goal |\n|---|---|---|---|---|---|---|---|\n',
      );
      for (const [f, base, goal] of rows) {
        if (!f) continue;
        const extra =
          f === batch ? ` (${Math.round(f.rps * 100).toLocaleString('en')} events/s)` : '';
        const ratio = base ? `${(f.rps / base.rps).toFixed(2)}×` : '';
        process.stdout.write(
          `| ${f.label} | ${Math.round(f.rps).toLocaleString('en')}${extra} | ${f.p50} | ${f.p99} | ${f.failed} | ${f.cpuMicros ?? '?'} µs | ${ratio} | ${goal} |\n`,
        );
      }
      process.stdout.write(
        `\nevents answered 2xx: ${accepted.size.toLocaleString('en')}; missing from the database: ${missing}\n`,
      );
      return missing === 0;
    } finally {
      await server.stop();
    }
  } finally {
    await push.call('close').catch(() => {});
    push.child.kill();
    await database.drop();
    rmSync(caFile, { force: true });
  }
}

/** Runs a path's load unless `--only` leaves it out. */
function when(name: string, run: () => Promise<LoadFigures>): Promise<LoadFigures | null> {
  return ONLY.has(name) ? run() : Promise.resolve(null);
}

function trackBody(messageId: string): string {
  return JSON.stringify({
    userId: `u-${messageId.length % 7}`,
    event: 'Order Completed',
    messageId,
    properties: { orderId: messageId, value: 42.5, currency: 'EUR' },
    timestamp: new Date().toISOString(),
  });
}

/** Gives the seeded subscribers users `u-0`…, the targets of the one-user sends. */
async function nameUsers(url: string, subscriberIds: string[]): Promise<void> {
  const db = await openDatabase(url);
  try {
    await db.kysely.transaction().execute(async (trx) => {
      for (const [i, id] of subscriberIds.entries()) {
        await trx
          .updateTable('subscribers')
          .set({ external_id: `u-${i}` })
          .where('id', '=', id)
          .execute();
      }
    });
  } finally {
    await db.close();
  }
}

/** How many of the accepted messageIds the database does not have. */
async function missingEvents(url: string, accepted: ReadonlySet<string>): Promise<number> {
  const db = await openDatabase(url);
  try {
    const rows = await db.kysely
      .selectFrom('events')
      .select('message_id')
      .where('message_id', 'is not', null)
      .execute();
    const stored = new Set(rows.map((r) => r.message_id));
    let missing = 0;
    for (const m of accepted) if (!stored.has(m)) missing++;
    return missing;
  } finally {
    await db.close();
  }
}

async function startBaseline(): Promise<{ url: string; pid?: number; stop(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./ingest/hono-baseline.ts', import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [port] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    url: `http://127.0.0.1:${String(port).trim()}`,
    pid: child.pid,
    stop: () => child.kill('SIGTERM'),
  };
}
