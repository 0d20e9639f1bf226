/**
 * `npm run bench:dashboard` — the dashboard's API calls over 100,000 subscribers and
 * 1,000,000 deliveries, on SQLite and PostgreSQL: the Overview's calls and a campaign page's
 * calls, each page timed as the browser makes them (in parallel), p50 / p99, against listing
 * one page of subscribers in the same run. Also times, once, what the roll-ups save: the same
 * daily series computed by scanning a campaign's deliveries.
 *
 *   npm run bench:dashboard [-- --subscribers 100000 --deliveries 1000000 --runs 100 --dialects sqlite,postgres]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp } from '../packages/server/src/http/app.ts';
import { ASSETS } from '../packages/server/src/main.ts';
import { openDatabase, type Db } from '../packages/server/src/storage/database.ts';
import { backfillRollups } from '../packages/server/src/storage/migrations/0016_rollups.ts';
import { createStore } from '../packages/server/src/storage/store.ts';
import { initWorkspace } from '../packages/server/src/workspace-setup.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    deliveries: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '100' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const DELIVERIES = Number(values.deliveries);
const RUNS = Number(values.runs);
const CAMPAIGNS = 20;
/**
 * Delivery n goes to subscriber n % S, in notification 4·(n / S) + n % 4: one delivery per
 * (notification, subscriber), as the unique key wants, spread over every campaign.
 */
const NOTIFICATIONS = 4 * (Math.floor(DELIVERIES / SUBSCRIBERS) + 1);
const PG_URL = process.env.BECKON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;
const now = Date.now();

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Fills the database in SQL: the bench times the dashboard's reads, not loading. */
async function seed(db: Db, workspaceId: string, siteId: string): Promise<void> {
  const k = db.kysely;
  const seq = (n: number) =>
    db.dialect === 'postgres'
      ? sql`SELECT n FROM generate_series(CAST(1 AS BIGINT), ${sql.lit(n)}) AS n`
      : sql`WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${sql.lit(n)}) SELECT n FROM seq`;
  const pad = (col: string, width: number) =>
    db.dialect === 'postgres'
      ? sql.raw(`lpad((${col})::text, ${width}, '0')`)
      : sql.raw(`printf('%0${width}d', ${col})`);
  const t = async (label: string, run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    log(`  seeded ${label} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  };
  const lit = (n: number) => sql.lit(n);

  // Subscribers over the last 90 days; a third ticked "deals".
  await t(`${SUBSCRIBERS.toLocaleString()} subscribers`, async () => {
    await sql`INSERT INTO subscribers (id, workspace_id, site_id, endpoint, p256dh, auth, timezone, language, created_at, last_seen_at)
      SELECT 'sub_' || ${pad('n', 8)}, ${workspaceId}, ${siteId}, 'https://fcm.googleapis.com/fcm/send/' || n, 'BKey', 'auth', 'UTC', 'en',
             ${lit(now - 90 * DAY)} + n * ${lit(Math.floor((90 * DAY) / SUBSCRIBERS))}, ${lit(now)}
      FROM (${seq(SUBSCRIBERS)}) s`.execute(k);
    await sql`INSERT INTO subscriber_categories (subscriber_id, category_id)
      SELECT 'sub_' || ${pad('n', 8)}, 'deals' FROM (${seq(SUBSCRIBERS)}) s WHERE n % 3 = 0`.execute(
      k,
    );
  });
  await t(`${CAMPAIGNS} campaigns, ${NOTIFICATIONS} notifications`, async () => {
    await sql`INSERT INTO campaigns (id, workspace_id, name, messages, created_at, updated_at)
      SELECT 'cmp_bench_' || ${pad('n - 1', 2)}, ${workspaceId}, 'Campaign ' || n,
             '[{"id":"m1","title":"Hello","body":"there"}]', ${lit(now - 31 * DAY)}, ${lit(now)}
      FROM (${seq(CAMPAIGNS)}) s`.execute(k);
    await sql`INSERT INTO notifications (id, workspace_id, campaign_id, message_id, content, target, ttl, urgency, ignore_capping, send_at, expires_at, cancelled, job_id, created_at)
      SELECT 'ntf_bench_' || ${pad('n - 1', 4)}, ${workspaceId}, 'cmp_bench_' || ${pad(`(n - 1) % ${CAMPAIGNS}`, 2)}, 'm1',
             '{}', '{"all":true}', 86400, 'normal', 0, ${lit(now - 30 * DAY)} + n * ${lit(DAY / 2)}, ${lit(now + DAY)}, 0, 'job_bench', ${lit(now - 30 * DAY)} + n * ${lit(DAY / 2)}
      FROM (${seq(NOTIFICATIONS)}) s`.execute(k);
  });
  // Deliveries over the last 30 days: 90% delivered, 5% failed, 5% capped.
  await t(`${DELIVERIES.toLocaleString()} deliveries`, async () => {
    await sql`INSERT INTO deliveries (id, notification_id, workspace_id, subscriber_id, site_id, campaign_id, message_id, status, next_attempt_at, expires_at, sent_at, finished_at)
      SELECT 'dlv_' || ${pad('n', 8)}, 'ntf_bench_' || ${pad(`4 * (n / ${SUBSCRIBERS}) + n % 4`, 4)}, ${workspaceId},
             'sub_' || ${pad(`n % ${SUBSCRIBERS} + 1`, 8)}, ${siteId}, 'cmp_bench_' || ${pad(`(4 * (n / ${SUBSCRIBERS}) + n % 4) % ${CAMPAIGNS}`, 2)}, 'm1',
             CASE WHEN (n / ${lit(CAMPAIGNS)}) % 100 < 90 THEN 'delivered' WHEN (n / ${lit(CAMPAIGNS)}) % 100 < 95 THEN 'failed' ELSE 'capped' END,
             0, ${lit(now + DAY)}, ${lit(now)} - (n * 2591) % ${lit(30 * DAY)}, ${lit(now)} - (n * 2591) % ${lit(30 * DAY)} + 500
      FROM (${seq(DELIVERIES)}) s`.execute(k);
  });
  // Receipts: 30% of deliveries shown; clicks vary per campaign (CTR 1%–7%).
  await t('receipts', async () => {
    await sql`INSERT INTO receipts (delivery_id, kind, at)
      SELECT 'dlv_' || ${pad('n', 8)}, 'shown', ${lit(now)} - (n * 2591) % ${lit(30 * DAY)} + 60000
      FROM (${seq(DELIVERIES)}) s WHERE (n / ${lit(CAMPAIGNS)}) % 100 < 30`.execute(k);
    await sql`INSERT INTO receipts (delivery_id, kind, at)
      SELECT 'dlv_' || ${pad('n', 8)}, 'clicked', ${lit(now)} - (n * 2591) % ${lit(30 * DAY)} + 90000
      FROM (${seq(DELIVERIES)}) s WHERE (n / ${lit(CAMPAIGNS)}) % 100 < (n % ${lit(CAMPAIGNS)}) % 7 + 1`.execute(
      k,
    );
  });
  // What the workers would have kept as they went: the roll-ups and the totals.
  await t('roll-ups and totals', async () => {
    await backfillRollups(k);
    await sql`INSERT INTO campaign_stats (campaign_id, message_id, sent, delivered, failed, capped, shown, clicked, closed)
      SELECT campaign_id, message_id, sum(sent), sum(delivered), sum(failed), sum(capped), sum(shown), sum(clicked), sum(closed)
      FROM campaign_stats_hourly GROUP BY campaign_id, message_id`.execute(k);
  });
  await sql`ANALYZE`.execute(k);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function benchDialect(dialect: 'sqlite' | 'postgres') {
  const schema = `bench_dash_${Date.now().toString(36)}`;
  const file = join(tmpdir(), `${schema}.db`);
  const db = await openDatabase(
    dialect === 'sqlite' ? `sqlite:${file}` : `${PG_URL}?schema=${schema}`,
  );
  try {
    const store = createStore(db);
    const init = await initWorkspace(store, { name: 'Bench shop' }, now);
    const workspaceId = (await store.workspaces.findByApiKey(init.apiKey))!.id;
    log(`${dialect}:`);
    await seed(db, workspaceId, init.siteId);

    const app = createApp({
      store,
      clock: Date.now,
      wake: () => {},
      pushOriginsAllow: [],
      rateLimit: { perIpPerMinute: 0, perSitePerMinute: 0 },
      assets: ASSETS,
      log: () => {},
    });
    const headers = { authorization: `Bearer ${init.apiKey}` };
    const get = async (path: string) => {
      const res = await app.request(path, { headers });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const campaign = 'cmp_bench_03';
    const pages: Record<string, string[]> = {
      Overview: [
        '/v1/organization',
        '/v1/stats/subscribers?interval=day',
        `/v1/stats/subscribers?interval=day&siteId=${init.siteId}&category=deals`,
        '/v1/stats/pushes?interval=day',
      ],
      'Campaign page': [
        `/v1/campaigns/${campaign}`,
        `/v1/campaigns/${campaign}/stats?interval=day`,
        `/v1/campaigns/${campaign}/stats?interval=hour`,
        `/v1/notifications?campaignId=${campaign}`,
      ],
      'baseline: one page of subscribers': ['/v1/subscribers?limit=50'],
    };
    const results: Array<{ name: string; p50: number; p99: number }> = [];
    const time = async (name: string, run: () => Promise<unknown>) => {
      for (let i = 0; i < Math.min(10, RUNS); i++) await run(); // warm caches and JIT
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await run();
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      results.push({ name, p50: percentile(samples, 50), p99: percentile(samples, 99) });
    };
    for (const [page, paths] of Object.entries(pages)) {
      await time(page, () => Promise.all(paths.map(get)));
      if (paths.length > 1) for (const path of paths) await time(`  ${path}`, () => get(path));
    }
    // What the roll-ups save: the same daily series straight from the deliveries.
    await time('for comparison: daily series by scanning the deliveries', () =>
      sql`SELECT finished_at - finished_at % ${sql.lit(DAY)} AS day, status, count(*) AS n
          FROM deliveries WHERE campaign_id = ${campaign}
          GROUP BY finished_at - finished_at % ${sql.lit(DAY)}, status`.execute(db.kysely),
    );

    const baseline = results.find((r) => r.name.startsWith('baseline'))!.p50;
    console.log(
      `\n${dialect}: ${SUBSCRIBERS.toLocaleString()} subscribers, ${DELIVERIES.toLocaleString()} deliveries, ${RUNS} runs`,
    );
    console.log(
      `${'call'.padEnd(72)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  ×baseline p50`,
    );
    for (const r of results) {
      console.log(
        `${r.name.padEnd(72)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}  ${(r.p50 / baseline).toFixed(2)}`,
      );
    }
  } finally {
    await db.close();
    if (dialect === 'sqlite') {
      for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
    } else {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

for (const dialect of values.dialects.split(',') as Array<'sqlite' | 'postgres'>) {
  await benchDialect(dialect);
}
