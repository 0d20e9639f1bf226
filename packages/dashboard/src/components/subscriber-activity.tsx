import { Link } from 'wouter-preact';
import { api } from '../lib/api.ts';
import type { Campaign, SubscriberActivity } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { Empty, Loading, Problem } from './ui.tsx';

const LIMIT = 20;
const when = (at: string | null) => (at ? new Date(at).toLocaleString() : '—');

/** Long property bags would stretch the table; the full JSON stays in the cell's title. */
function propertiesText(properties: Record<string, unknown>): string {
  const text = JSON.stringify(properties);
  return text === '{}' ? '—' : text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** What happened to a push, in words: its status, then how far the person took it. */
function outcome(p: SubscriberActivity['pushes'][number]): string {
  const receipts = (['shown', 'clicked', 'closed'] as const).filter((k) => p.receipts[k]);
  return [p.status, ...receipts].join(', ');
}

/**
 * A subscriber's recent events (its own and its user's) and pushes with their outcomes.
 * Campaign names come from one request per distinct campaign: at most `LIMIT`, usually a few.
 */
export function SubscriberActivityLists({ id }: { id: string }) {
  const loaded = useLoad(async () => {
    const activity = await api.get<SubscriberActivity>(
      `/v1/subscribers/${encodeURIComponent(id)}/activity?limit=${LIMIT}`,
    );
    const ids = [...new Set(activity.pushes.map((p) => p.campaignId))];
    const campaigns = await Promise.all(
      ids.map((c) => api.get<Campaign>(`/v1/campaigns/${c}`).catch(() => undefined)),
    );
    const names = new Map(campaigns.flatMap((c) => (c ? [[c.id, c.name] as const] : [])));
    return { ...activity, names };
  }, [id]);
  if (!loaded.data) return loaded.error ? <Problem error={loaded.error} /> : <Loading />;
  const { events, pushes, names } = loaded.data;
  return (
    <>
      <section class="card" aria-labelledby="events-h">
        <h2 id="events-h">Recent events</h2>
        {events.length === 0 ? (
          <Empty>No events recorded for this subscriber or its user yet.</Empty>
        ) : (
          <div class="table-scroll">
            <table aria-labelledby="events-h">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Type</th>
                  <th scope="col">Event</th>
                  <th scope="col">Properties</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}>
                    <td>{when(e.occurredAt)}</td>
                    <td>{e.type}</td>
                    <td>{e.name ?? '—'}</td>
                    <td class="muted" title={JSON.stringify(e.properties)}>
                      {propertiesText(e.properties)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="pushes-h">
        <h2 id="pushes-h">Recent pushes</h2>
        {pushes.length === 0 ? (
          <Empty>No pushes sent to this subscriber yet.</Empty>
        ) : (
          <div class="table-scroll">
            <table aria-labelledby="pushes-h">
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Campaign</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Clicked</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {pushes.map((p) => (
                  <tr key={p.deliveryId} data-delivery={p.deliveryId}>
                    <td>{when(p.createdAt)}</td>
                    <td>
                      <Link href={`/campaigns/${p.campaignId}`}>
                        {names.get(p.campaignId) ?? p.campaignId}
                      </Link>
                    </td>
                    <td>
                      <span class={`status status-${p.status}`}>{outcome(p)}</span>
                    </td>
                    <td>{when(p.sentAt)}</td>
                    <td>{when(p.receipts.clicked)}</td>
                    <td>{p.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
