import { sql, type Kysely } from 'kysely';
import { emptyCounts, STAT_NAMES, type StatCounts, type StatIncrement } from './campaigns.ts';
import type { Database } from './schema.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type Interval = 'hour' | 'day';
export const intervalMs = (interval: Interval) => (interval === 'hour' ? HOUR_MS : DAY_MS);

/** `at` floored to its UTC hour or day. */
export const bucketOf = (at: number, interval: Interval) => at - (at % intervalMs(interval));

/**
 * Adds increments to the hourly roll-up, in the caller's transaction (the same one that adds
 * them to `campaign_stats`, so the two never disagree). One upsert per message and hour.
 */
export async function addHourly(
  trx: Kysely<Database>,
  increments: readonly StatIncrement[],
): Promise<void> {
  for (const inc of increments) {
    const counts = { ...emptyCounts(), ...inc.counts };
    const changed = STAT_NAMES.filter((n) => counts[n] !== 0);
    if (changed.length === 0) continue;
    await trx
      .insertInto('campaign_stats_hourly')
      .values({
        workspace_id: inc.workspaceId,
        campaign_id: inc.campaignId,
        message_id: inc.messageId,
        hour: bucketOf(inc.at, 'hour'),
        ...counts,
      })
      .onConflict((oc) =>
        oc
          .columns(['campaign_id', 'hour', 'message_id'])
          .doUpdateSet(
            Object.fromEntries(
              changed.map((n) => [n, sql`campaign_stats_hourly.${sql.ref(n)} + ${counts[n]}`]),
            ),
          ),
      )
      .execute();
  }
}

export interface SeriesPoint extends StatCounts {
  at: number;
}

/**
 * A campaign's (or one message's) counters per hour or UTC day in [from, to): every bucket
 * present, zeros included, so a chart needs no gap filling. Reads the roll-up's primary key
 * range only: at most (hours in range × messages) small rows.
 */
export async function campaignSeries(
  db: Kysely<Database>,
  query: { campaignId: string; messageId?: string; interval: Interval; from: number; to: number },
): Promise<SeriesPoint[]> {
  const rows = await db
    .selectFrom('campaign_stats_hourly')
    .select(['hour', ...STAT_NAMES])
    .where('campaign_id', '=', query.campaignId)
    .where('hour', '>=', bucketOf(query.from, 'hour'))
    .where('hour', '<', query.to)
    .$if(query.messageId !== undefined, (q) => q.where('message_id', '=', query.messageId!))
    .execute();
  const points = emptyPoints(query.interval, query.from, query.to);
  const step = intervalMs(query.interval);
  const first = points[0]?.at ?? 0;
  for (const row of rows) {
    const point = points[Math.floor((bucketOf(Number(row.hour), query.interval) - first) / step)];
    if (!point) continue;
    for (const name of STAT_NAMES) point[name] += Number(row[name]);
  }
  return points;
}

function emptyPoints(interval: Interval, from: number, to: number): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let at = bucketOf(from, interval); at < to; at += intervalMs(interval)) {
    points.push({ at, ...emptyCounts() });
  }
  return points;
}

export interface CampaignTotals extends StatCounts {
  campaignId: string;
}

/**
 * The workspace's pushes per hour or day in [from, to), and each campaign's totals over the
 * same range: the Overview's chart and its top campaigns, from the roll-up's
 * `(workspace_id, hour)` index.
 */
export async function workspaceSeries(
  db: Kysely<Database>,
  query: { workspaceId: string; interval: Interval; from: number; to: number },
): Promise<{ series: SeriesPoint[]; campaigns: CampaignTotals[] }> {
  const range = db
    .selectFrom('campaign_stats_hourly')
    .where('workspace_id', '=', query.workspaceId)
    .where('hour', '>=', bucketOf(query.from, 'hour'))
    .where('hour', '<', query.to);
  const sums = STAT_NAMES.map((n) => sql<number | string>`sum(${sql.ref(n)})`.as(n));
  const [byHour, byCampaign] = await Promise.all([
    range
      .select(['hour', ...sums])
      .groupBy('hour')
      .execute(),
    range
      .select(['campaign_id', ...sums])
      .groupBy('campaign_id')
      .execute(),
  ]);
  const series = emptyPoints(query.interval, query.from, query.to);
  const step = intervalMs(query.interval);
  const first = series[0]?.at ?? 0;
  for (const row of byHour) {
    const point = series[Math.floor((bucketOf(Number(row.hour), query.interval) - first) / step)];
    if (!point) continue;
    for (const name of STAT_NAMES) point[name] += Number(row[name]);
  }
  const campaigns = byCampaign.map((row) => ({
    campaignId: row.campaign_id,
    ...(Object.fromEntries(STAT_NAMES.map((n) => [n, Number(row[n])])) as StatCounts),
  }));
  return { series, campaigns };
}
