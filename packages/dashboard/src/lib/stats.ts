import { api, query, type Page } from './api.ts';
import { COUNTS, type Campaign, type CampaignStats, type Counts, type Point } from './types.ts';

const DAY = 86_400_000;

/** The last `days` whole UTC days up to now, as the stats endpoints take them. */
export function lastDays(days: number, now = Date.now()) {
  const from = Math.floor(now / DAY) * DAY - (days - 1) * DAY;
  return { from: new Date(from).toISOString(), to: new Date(now).toISOString() };
}

export const ctr = (c: Pick<Counts, 'clicked' | 'delivered'>) =>
  c.delivered > 0 ? c.clicked / c.delivered : 0;

export interface CampaignResult {
  campaign: Campaign;
  stats: CampaignStats;
}

/** Campaign stats over a range, at most `concurrency` requests at a time (the server's pool). */
export async function campaignResults(
  range: { from: string; to: string },
  { limit = 50, concurrency = 4 } = {},
): Promise<CampaignResult[]> {
  const page = await api.get<Page<Campaign>>(`/v1/campaigns${query({ limit })}`);
  const results: CampaignResult[] = [];
  const queue = [...page.data];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const stats = await api.get<CampaignStats>(
        `/v1/campaigns/${c.id}/stats${query({ interval: 'day', ...range })}`,
      );
      results.push({ campaign: c, stats });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** Adds series point by point on their `at` (campaigns' series share the same buckets). */
export function sumSeries(all: Array<Point[] | undefined>): Point[] {
  const byAt = new Map<string, Point>();
  for (const series of all) {
    for (const p of series ?? []) {
      const sum = byAt.get(p.at) ?? ({ at: p.at, ...zero() } as Point);
      for (const k of COUNTS) sum[k] += p[k] ?? 0;
      byAt.set(p.at, sum);
    }
  }
  return [...byAt.values()].sort((a, b) => a.at.localeCompare(b.at));
}

function zero(): Counts {
  return Object.fromEntries(COUNTS.map((k) => [k, 0])) as Counts;
}
