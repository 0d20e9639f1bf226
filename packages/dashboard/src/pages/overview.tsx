import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { Chart, color } from '../components/chart.tsx';
import { Empty, fmt, Loading, PageHeader, pct, Problem, Select } from '../components/ui.tsx';
import { api, query } from '../lib/api.ts';
import { lastDays } from '../lib/stats.ts';
import type { Counts, Organization, Point } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';

/** `GET /v1/stats/pushes`: every campaign's pushes over time, and the best by CTR. */
interface PushStats extends Counts {
  series: Point[];
  topCampaigns: Array<Counts & { campaignId: string; name: string; ctr: number }>;
}

interface SubscriberSeries {
  total: number;
  series: Array<{ at: string; subscribed: number; unsubscribed: number; total: number }>;
}

/** Numbers come from the server's aggregates (stats endpoints), never from listing rows. */
export function Overview() {
  const range = useMemo(() => lastDays(30), []);
  const [siteId, setSiteId] = useState('');
  const [category, setCategory] = useState('');
  const org = useLoad(() => api.get<Organization>('/v1/organization'), []);
  const subs = useLoad(
    () =>
      api.get<SubscriberSeries>(
        `/v1/stats/subscribers${query({ interval: 'day', ...range, siteId, category })}`,
      ),
    [siteId, category],
  );
  const pushStats = useLoad(
    () => api.get<PushStats>(`/v1/stats/pushes${query({ interval: 'day', ...range })}`),
    [],
  );

  const sites = org.data?.sites ?? [];
  const categories = sites
    .filter((s) => !siteId || s.id === siteId)
    .flatMap((s) => s.categories.map((c) => [c.id, c.label] as [string, string]));
  const pushes = pushStats.data?.series ?? [];
  const top = (pushStats.data?.topCampaigns ?? []).slice(0, 5);

  return (
    <>
      <PageHeader title="Overview" />
      <section aria-labelledby="subs-h" class="card">
        <h2 id="subs-h">Subscribers</h2>
        <div class="filters">
          <Select
            label="Site"
            value={siteId}
            onChange={(v) => {
              setSiteId(v);
              setCategory('');
            }}
            options={[['', 'All sites'], ...sites.map((s) => [s.id, s.name] as [string, string])]}
          />
          <Select
            label="Category"
            value={category}
            onChange={setCategory}
            options={[['', 'All categories'], ...categories]}
          />
        </div>
        <Problem error={subs.error} />
        {subs.data && (
          <>
            <p class="big-number">
              <strong>{fmt(subs.data.total)}</strong> subscribers now
            </p>
            <Chart
              title="Subscribed and unsubscribed per day, last 30 days"
              at={subs.data.series.map((p) => p.at)}
              lines={[
                {
                  label: 'Subscribed',
                  values: subs.data.series.map((p) => p.subscribed),
                  color: color(1),
                },
                {
                  label: 'Unsubscribed',
                  values: subs.data.series.map((p) => p.unsubscribed),
                  color: color(2),
                },
              ]}
            />
          </>
        )}
      </section>
      <section aria-labelledby="push-h" class="card">
        <h2 id="push-h">Pushes, last 30 days</h2>
        <Problem error={pushStats.error} />
        {pushStats.loading && !pushStats.data ? (
          <Loading />
        ) : (
          <Chart
            title="Sent, delivered and clicked per day"
            at={pushes.map((p) => p.at)}
            lines={(['sent', 'delivered', 'clicked'] as const).map((k, i) => ({
              label: k[0]!.toUpperCase() + k.slice(1),
              values: pushes.map((p) => p[k]),
              color: color(i),
            }))}
          />
        )}
      </section>
      <section aria-labelledby="top-h" class="card">
        <h2 id="top-h">Top campaigns by CTR</h2>
        {pushStats.data && top.length === 0 && (
          <Empty>
            No campaign has delivered a push yet. <Link href="/campaigns">Create a campaign</Link>.
          </Empty>
        )}
        {top.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Delivered</th>
                <th scope="col">Clicked</th>
                <th scope="col">CTR</th>
              </tr>
            </thead>
            <tbody>
              {top.map((c) => (
                <tr key={c.campaignId}>
                  <td>
                    <Link href={`/campaigns/${c.campaignId}`}>{c.name}</Link>
                  </td>
                  <td>{fmt(c.delivered)}</td>
                  <td>{fmt(c.clicked)}</td>
                  <td>{pct(c.clicked, c.delivered)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
