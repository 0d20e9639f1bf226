import { sql, type Kysely } from 'kysely';
import { bucketOf, DAY_MS } from './campaign-series.ts';
import type { Database } from './schema.ts';

/** Why a subscriber ended (API.md "Visitor self-service"). */
export const ENDING_REASONS = ['gone', 'unsubscribed', 'revoked', 'erased'] as const;
export type EndingReason = (typeof ENDING_REASONS)[number];

type Column = 'subscribed' | EndingReason;

/** Subscriber ids read per statement (well under SQLite's 32,766 bound parameters). */
const CHUNK = 500;

/**
 * Counts subscribers coming and going per site, category and UTC day, in the caller's
 * transaction: `subscribed` when a new subscriber is stored, an ending (with its reason)
 * just before the subscriber's rows are deleted — every delete path calls this.
 */
export async function countSubscribed(
  trx: Kysely<Database>,
  input: { workspaceId: string; siteId: string; categories: readonly string[] },
  now: number,
): Promise<void> {
  const at = { workspaceId: input.workspaceId, siteId: input.siteId };
  await countSubscribedMany(trx, at, [input.categories], now);
}

/** `countSubscribed` for many new subscribers of one site at once (an import's chunk). */
export async function countSubscribedMany(
  trx: Kysely<Database>,
  at: { workspaceId: string; siteId: string },
  categoriesOfEach: ReadonlyArray<readonly string[]>,
  now: number,
): Promise<void> {
  if (categoriesOfEach.length === 0) return;
  const day = bucketOf(now, 'day');
  const counts = new Map<string, number>([['', categoriesOfEach.length]]);
  for (const categories of categoriesOfEach) {
    for (const category of new Set(categories))
      counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  for (const [category, n] of counts) await bump(trx, { ...at, category, day }, 'subscribed', n);
}

/**
 * A subscriber ticking or unticking topics: for a category's own rows, ticking it counts as
 * subscribed and unticking as unsubscribed, so a category's series and total follow who
 * receives that topic (the site's rows do not change: the subscriber stays).
 */
export async function countCategoryChanges(
  trx: Kysely<Database>,
  at: { workspaceId: string; siteId: string },
  before: readonly string[],
  after: readonly string[],
  now: number,
): Promise<void> {
  const day = bucketOf(now, 'day');
  const had = new Set(before);
  const has = new Set(after);
  for (const category of has) {
    if (!had.has(category)) await bump(trx, { ...at, category, day }, 'subscribed', 1);
  }
  for (const category of had) {
    if (!has.has(category)) await bump(trx, { ...at, category, day }, 'unsubscribed', 1);
  }
}

/** Records the ending of these subscribers (read before they are deleted). */
export async function countEndings(
  trx: Kysely<Database>,
  ids: readonly string[],
  reason: EndingReason,
  now: number,
): Promise<void> {
  const day = bucketOf(now, 'day');
  const tally = new Map<
    string,
    { workspaceId: string; siteId: string; category: string; n: number }
  >();
  const add = (workspaceId: string, siteId: string, category: string) => {
    const key = `${siteId}\u0000${category}`;
    const entry = tally.get(key) ?? { workspaceId, siteId, category, n: 0 };
    entry.n += 1;
    tally.set(key, entry);
  };
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const subscribers = await trx
      .selectFrom('subscribers')
      .leftJoin('subscriber_categories', 'subscriber_categories.subscriber_id', 'subscribers.id')
      .select(['subscribers.id', 'workspace_id', 'site_id', 'category_id'])
      .where('subscribers.id', 'in', chunk)
      .execute();
    const seen = new Set<string>();
    for (const row of subscribers) {
      if (!seen.has(row.id)) add(row.workspace_id, row.site_id, '');
      seen.add(row.id);
      if (row.category_id !== null) add(row.workspace_id, row.site_id, row.category_id);
    }
  }
  // In key order, so two transactions ending subscribers of several sites lock the same
  // rows in the same order and never deadlock on PostgreSQL.
  const entries = [...tally.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, entry] of entries) await bump(trx, { ...entry, day }, reason, entry.n);
}

async function bump(
  trx: Kysely<Database>,
  at: { workspaceId: string; siteId: string; category: string; day: number },
  column: Column,
  n: number,
): Promise<void> {
  await trx
    .insertInto('subscriber_stats_daily')
    .values({
      workspace_id: at.workspaceId,
      site_id: at.siteId,
      category_id: at.category,
      day: at.day,
      [column]: n,
    })
    .onConflict((oc) =>
      oc
        .columns(['site_id', 'category_id', 'day'])
        .doUpdateSet({ [column]: sql`subscriber_stats_daily.${sql.ref(column)} + ${n}` }),
    )
    .execute();
}

export interface SubscriberPoint {
  at: number;
  subscribed: number;
  unsubscribed: number;
  /** The endings of the day by reason (`unsubscribed` above is their sum). */
  endings: Record<EndingReason, number>;
  /** Subscribers at the end of the day. */
  total: number;
}

/**
 * Subscribers over time per UTC day in [from, to): new ones, endings, and the total at each
 * day's end. The total is today's count (an index count) minus the net change of every later
 * day, so no day needs a scan of the subscribers.
 */
export async function subscriberSeries(
  db: Kysely<Database>,
  query: { workspaceId: string; siteId?: string; category?: string; from: number; to: number },
): Promise<{ total: number; series: SubscriberPoint[] }> {
  const category = query.category ?? '';
  const rows = await db
    .selectFrom('subscriber_stats_daily')
    .select((eb) => [
      'day',
      eb.fn.sum<number | string>('subscribed').as('subscribed'),
      ...ENDING_REASONS.map((r) => eb.fn.sum<number | string>(r).as(r)),
    ])
    .where('workspace_id', '=', query.workspaceId)
    .where('category_id', '=', category)
    .where('day', '>=', bucketOf(query.from, 'day'))
    .$if(query.siteId !== undefined, (q) => q.where('site_id', '=', query.siteId!))
    .groupBy('day')
    .execute();
  const total = await currentTotal(db, query.workspaceId, query.siteId, query.category);

  const byDay = new Map(rows.map((r) => [Number(r.day), r]));
  const series: SubscriberPoint[] = [];
  for (let at = bucketOf(query.from, 'day'); at < query.to; at += DAY_MS) {
    const row = byDay.get(at);
    const endings = Object.fromEntries(
      ENDING_REASONS.map((r) => [r, Number(row?.[r] ?? 0)]),
    ) as Record<EndingReason, number>;
    series.push({
      at,
      subscribed: Number(row?.subscribed ?? 0),
      unsubscribed: ENDING_REASONS.reduce((sum, r) => sum + endings[r], 0),
      endings,
      total: 0,
    });
  }
  // Walk back from now: the total at a day's end is the next day's end minus its net change.
  let running = total;
  const later = rows
    .map((r) => ({ day: Number(r.day), net: net(r) }))
    .filter((r) => r.day >= (series.at(-1)?.at ?? Infinity) + DAY_MS);
  running -= later.reduce((sum, r) => sum + r.net, 0);
  for (let i = series.length - 1; i >= 0; i--) {
    const point = series[i]!;
    point.total = Math.max(0, running);
    running -= point.subscribed - point.unsubscribed;
  }
  return { total, series };
}

function net(
  row: { subscribed: number | string | null } & Partial<
    Record<EndingReason, number | string | null>
  >,
) {
  return Number(row.subscribed ?? 0) - ENDING_REASONS.reduce((s, r) => s + Number(row[r] ?? 0), 0);
}

async function currentTotal(
  db: Kysely<Database>,
  workspaceId: string,
  siteId: string | undefined,
  category: string | undefined,
): Promise<number> {
  if (category === undefined) {
    const row = await db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .$if(siteId !== undefined, (q) => q.where('site_id', '=', siteId!))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  // A category's total is what its roll-up rows add up to (every tick, untick and ending is
  // counted there): a few rows a day, where counting its subscribers joined a third of them
  // (0.4 s over 100,000 on SQLite, bench:dashboard).
  const row = await db
    .selectFrom('subscriber_stats_daily')
    .select((eb) => [
      eb.fn.sum<number | string>('subscribed').as('subscribed'),
      ...ENDING_REASONS.map((r) => eb.fn.sum<number | string>(r).as(r)),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('category_id', '=', category)
    .$if(siteId !== undefined, (q) => q.where('site_id', '=', siteId!))
    .executeTakeFirstOrThrow();
  return Math.max(0, net(row));
}
