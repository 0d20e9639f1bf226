/**
 * `npm run bench:audience` — how long resolving a target over 1,000,000 subscribers takes,
 * on SQLite and on PostgreSQL, through the same targeting code a fan-out uses (SQL only,
 * never the audience in memory): a target naming audiences on PostgreSQL is resolved once
 * into a snapshot and read back in pages; anything else is counted, then scanned in windows
 * of the server's size (`--window`, default the engine's 20,000). Each figure is set against
 * "everyone" on the same database in the same run.
 *
 *   npm run bench:audience [-- --subscribers 1000000 --dialects sqlite,postgres --window 20000 --keep]
 *   npm run bench:audience -- --dialects postgres --schema NAME   (seeds NAME once, reuses it after)
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { DEFAULT_ENGINE_OPTIONS } from '../packages/server/src/delivery/engine.ts';
import type { Target } from '../packages/server/src/domain/target.ts';
import { openDatabase, type Db } from '../packages/server/src/storage/database.ts';
import { createStore, type Store } from '../packages/server/src/storage/store.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    window: { type: 'string', default: String(DEFAULT_ENGINE_OPTIONS.fanOutWindow) },
    // Leave the seeded database behind (its name is printed) to EXPLAIN the targets in psql.
    keep: { type: 'boolean', default: false },
    // PostgreSQL only: seed this schema the first time and reuse it on later runs (kept).
    schema: { type: 'string' },
  },
});
const N = Number(values.subscribers);
const WINDOW = Number(values.window);
const PG_URL = process.env.BECKON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;
const now = Date.now();

/** Fills the database in SQL (generate_series / a recursive CTE): the bench times reads, not loading. */
async function seed(db: Db, workspaceId: string, siteId: string) {
  const k = db.kysely;
  const seq =
    db.dialect === 'postgres'
      ? sql`SELECT n FROM generate_series(1, ${N}) AS n`
      : sql`WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${N}) SELECT n FROM seq`;
  const pad = (col: string) =>
    db.dialect === 'postgres'
      ? sql.raw(`lpad(${col}::text, 8, '0')`)
      : sql.raw(`printf('%08d', ${col})`);
  const t = async (label: string, run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    process.stderr.write(
      `  seeded ${label} in ${((performance.now() - start) / 1000).toFixed(1)} s\n`,
    );
  };
  // Half the subscribers belong to a user; a third ticked "deals"; one in five ordered
  // in the last 60 days (value 0–99); 10,000 users are on a manual "blocked" list.
  await t(`${N.toLocaleString()} subscribers`, () =>
    sql`INSERT INTO subscribers (id, workspace_id, site_id, endpoint, p256dh, auth, expiration_time, timezone, language, anonymous_id, external_id, created_at, last_seen_at)
        SELECT 'sub_' || ${pad('n')}, ${workspaceId}, ${siteId}, 'https://fcm.googleapis.com/fcm/send/' || n, 'BKey', 'auth', NULL, 'UTC', 'en', NULL,
               CASE WHEN n % 2 = 0 THEN 'user_' || ${pad('n')} ELSE NULL END, CAST(${now - 400 * DAY} AS BIGINT) + n * CAST(${Math.floor((400 * DAY) / N)} AS BIGINT), CAST(${now} AS BIGINT)
        FROM (${seq}) s`.execute(k),
  );
  await t('categories', () =>
    sql`INSERT INTO subscriber_categories (subscriber_id, category_id) SELECT 'sub_' || ${pad('n')}, 'deals' FROM (${seq}) s WHERE n % 3 = 0`.execute(
      k,
    ),
  );
  await t('events', () =>
    sql`INSERT INTO events (id, workspace_id, site_id, subscriber_id, anonymous_id, external_id, type, name, properties, message_id, occurred_at, received_at)
        SELECT 'evt_' || ${pad('n')}, ${workspaceId}, ${siteId}, 'sub_' || ${pad('n')}, NULL,
               CASE WHEN n % 2 = 0 THEN 'user_' || ${pad('n')} ELSE NULL END, 'track', 'Order Completed',
               '{"value":' || (n % 100) || '}', NULL, CAST(${now} AS BIGINT) - (n % 60) * CAST(${DAY} AS BIGINT), CAST(${now} AS BIGINT)
        FROM (${seq}) s WHERE n % 5 = 0`.execute(k),
  );
  await sql`ANALYZE`.execute(k);
}

/** A workspace, a site, the seeded rows and the two audiences the targets name. */
async function seedAll(store: Store, db: Db) {
  const { workspace } = await store.workspaces.create('bench', now);
  const site = await store.sites.create(
    {
      workspaceId: workspace.id,
      name: 'bench',
      origins: [],
      categories: [{ id: 'deals', label: 'Deals' }],
      prompt: {} as never,
      capping: {},
      vapidSubject: 'mailto:bench@example.com',
      vapidPublicKey: 'x',
      vapidPrivateKey: 'x',
    },
    now,
  );
  await seed(db, workspace.id, site.id);
  const buyers = await store.audiences.create(
    {
      workspaceId: workspace.id,
      name: 'Recent big buyers',
      rule: { event: { name: 'Order Completed', where: { value: { gte: 50 } }, within: 'P30D' } },
    },
    now,
  );
  const blocked = await store.audiences.create(
    { workspaceId: workspace.id, name: 'Blocked', rule: null },
    now,
  );
  await store.audiences.addMembers(
    blocked,
    Array.from({ length: 10_000 }, (_, i) => ({
      type: 'user' as const,
      id: `user_${String((i + 1) * 20).padStart(8, '0')}`,
    })),
    now,
  );
  return { workspaceId: workspace.id, buyersId: buyers.id, blockedId: blocked.id };
}

/** The ids of an earlier run's seeding in a reused schema (`--schema`), or undefined. */
async function seededBefore(db: Db) {
  const { rows } = await sql<{ workspace_id: string; buyers: string; blocked: string }>`
    SELECT a.workspace_id, a.id AS buyers, b.id AS blocked FROM audiences a
    JOIN audiences b ON b.workspace_id = a.workspace_id AND b.name = 'Blocked'
    WHERE a.name = 'Recent big buyers'`.execute(db.kysely);
  const row = rows[0];
  if (!row) return undefined;
  process.stderr.write(`  reusing the seeded schema\n`);
  return { workspaceId: row.workspace_id, buyersId: row.buyers, blockedId: row.blocked };
}

async function time<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

/**
 * Every matching id, read the way a fan-out reads them (delivery/fan-out.ts): a snapshot and
 * its pages where the targeting resolves the target once, else a count and then windows.
 */
async function resolveAll(
  store: Store,
  workspaceId: string,
  target: Target,
): Promise<{ total: number; streamed: number; how: string }> {
  let cursor: string | null = null;
  let streamed = 0;
  if (store.targeting.resolvesOnce(target)) {
    const total = await store.targeting.snapshot('ntf_bench', workspaceId, target, now);
    do {
      const { rows, next } = await store.targeting.snapshotPage('ntf_bench', cursor, WINDOW);
      streamed += rows.length;
      cursor = next;
    } while (cursor);
    await store.targeting.dropSnapshot('ntf_bench');
    return { total, streamed, how: 'snapshot + pages' };
  }
  const total = await store.targeting.count(workspaceId, target, now);
  do {
    const { rows, next } = await store.targeting.scan(workspaceId, target, cursor, WINDOW, now);
    streamed += rows.length;
    cursor = next;
  } while (cursor);
  return { total, streamed, how: 'count + windows' };
}

async function benchDialect(dialect: 'sqlite' | 'postgres') {
  const reuse = dialect === 'postgres' ? values.schema : undefined;
  const keep = values.keep || reuse !== undefined;
  const schema = reuse ?? `bench_aud_${Date.now().toString(36)}`;
  const file = join(tmpdir(), `${schema}.db`);
  const db = await openDatabase(
    dialect === 'sqlite' ? `sqlite:${file}` : `${PG_URL}?schema=${schema}`,
  );
  const store = createStore(db);
  try {
    process.stderr.write(`${dialect}:\n`);
    const seeded = reuse ? await seededBefore(db) : undefined;
    const { workspaceId, buyersId, blockedId } = seeded ?? (await seedAll(store, db));
    const targets: Array<[string, Target]> = [
      ['everyone', { all: true }],
      ['category deals', { categories: ['deals'] }],
      [
        'rule audience (event within 30 d, where value ≥ 50)',
        { audiences: { include: [buyersId] } },
      ],
      [
        'audience − manual exclude ∧ category ∧ subscribedBetween',
        {
          audiences: { include: [buyersId], exclude: [blockedId] },
          categories: ['deals'],
          subscribedBetween: { from: now - 300 * DAY },
        },
      ],
    ];
    const rows = [];
    let everyoneMs = NaN;
    for (const [name, target] of targets) {
      const [count, countMs] = await time(() => store.targeting.count(workspaceId, target, now));
      const [resolved, resolveMs] = await time(() => resolveAll(store, workspaceId, target));
      if (resolved.streamed !== count || resolved.total !== count) {
        throw new Error(
          `${name}: resolved ${resolved.total}/${resolved.streamed} but counted ${count}`,
        );
      }
      if (name === 'everyone') everyoneMs = resolveMs;
      rows.push({
        dialect,
        target: name,
        matched: count,
        'count ms': Math.round(countMs),
        'fan-out resolve ms': Math.round(resolveMs),
        '× everyone': Number((resolveMs / everyoneMs).toFixed(2)),
        how: resolved.how,
      });
    }
    return rows;
  } finally {
    await db.close();
    if (keep) process.stderr.write(`  kept ${dialect === 'sqlite' ? file : `schema ${schema}`}\n`);
    else if (dialect === 'sqlite')
      for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
    else {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

const results = [];
for (const dialect of values.dialects.split(',') as Array<'sqlite' | 'postgres'>) {
  results.push(...(await benchDialect(dialect)));
}
console.log(
  `\nResolving targets over ${N.toLocaleString()} subscribers as a fan-out does (windows and pages of ${WINDOW.toLocaleString()}); "fan-out resolve" is everything the fan-out reads before and while queueing:`,
);
console.table(results);
