import { useMemo, useState } from 'preact/hooks';
import { api, query } from '../lib/api.ts';
import { lastDays } from '../lib/stats.ts';
import type { Campaign, CampaignStats, Counts } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { Chart, color } from './chart.tsx';
import { fmt, pct, Problem, Select } from './ui.tsx';

const SHOWN: Array<keyof Counts> = [
  'sent',
  'delivered',
  'shown',
  'clicked',
  'closed',
  'capped',
  'failed',
];
const CHARTED: Array<keyof Counts> = ['sent', 'delivered', 'shown', 'clicked'];
const title = (k: string) => k[0]!.toUpperCase() + k.slice(1);

/** Per campaign and per message: the counts, CTR, and a chart over time (refreshed every 3 s). */
export function CampaignResults({ campaign }: { campaign: Campaign }) {
  const [period, setPeriod] = useState<'48h' | '30d'>('48h');
  const [messageId, setMessageId] = useState('');
  const range = useMemo(
    () =>
      period === '48h'
        ? {
            interval: 'hour',
            from: new Date(
              Math.floor(Date.now() / 3_600_000) * 3_600_000 - 47 * 3_600_000,
            ).toISOString(),
            to: new Date().toISOString(),
          }
        : { interval: 'day', ...lastDays(30) },
    [period],
  );
  const stats = useLoad(
    () =>
      api.get<CampaignStats>(
        `/v1/campaigns/${campaign.id}/stats${query({ ...range, to: new Date().toISOString(), messageId })}`,
      ),
    [campaign.id, range, messageId],
    3000,
  );
  const s = stats.data;
  const series = s?.series ?? [];
  const names = new Map(campaign.messages.map((m, i) => [m.id, `${i + 1}. ${m.title}`]));
  const lines = useMemo(
    () =>
      CHARTED.map((k, i) => ({
        label: title(k),
        values: series.map((p) => p[k]),
        color: color(i),
      })),
    [s],
  );
  const at = useMemo(() => series.map((p) => p.at), [s]);

  return (
    <section class="card" aria-labelledby="results-h">
      <h2 id="results-h">Results</h2>
      <Problem error={stats.error} />
      {s && (
        <div class="table-scroll">
          <table aria-label="Results per message">
            <thead>
              <tr>
                <th scope="col">Message</th>
                {SHOWN.map((k) => (
                  <th scope="col" key={k}>
                    {title(k)}
                  </th>
                ))}
                <th scope="col">CTR</th>
              </tr>
            </thead>
            <tbody>
              {[
                { messageId: '', ...s, label: 'All messages' },
                ...s.messages.map((m) => ({ ...m, label: names.get(m.messageId) ?? m.messageId })),
              ].map((row) => (
                <tr key={row.messageId} class={row.messageId ? '' : 'total'}>
                  <th scope="row">{row.label}</th>
                  {SHOWN.map((k) => (
                    <td key={k} data-count={k}>
                      {fmt(row[k])}
                    </td>
                  ))}
                  <td>{pct(row.clicked, row.delivered)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="filters">
        <Select
          label="Period"
          value={period}
          onChange={(p) => setPeriod(p as typeof period)}
          options={[
            ['48h', 'Last 48 hours, hourly'],
            ['30d', 'Last 30 days, daily'],
          ]}
        />
        <Select
          label="Chart message"
          value={messageId}
          onChange={setMessageId}
          options={[
            ['', 'All messages'],
            ...campaign.messages.map(
              (m) => [m.id ?? '', names.get(m.id) ?? ''] as [string, string],
            ),
          ]}
        />
      </div>
      <Chart title="Sent, delivered, shown and clicked over time" at={at} lines={lines} />
    </section>
  );
}
