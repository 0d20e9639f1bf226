import { api, query, type Page } from '../lib/api.ts';
import { canWrite } from '../lib/session.ts';
import type { NotificationInfo } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';
import { Empty, fmt, Problem } from './ui.tsx';

const CANCELLABLE = new Set(['scheduled', 'sending']);

/** The campaign's sends, newest first, with their counts; scheduled or running ones can be cancelled. */
export function NotificationList({ campaignId, version }: { campaignId: string; version: number }) {
  const list = useLoad(
    () => api.get<Page<NotificationInfo>>(`/v1/notifications${query({ campaignId, limit: 20 })}`),
    [campaignId, version],
    3000,
  );
  const cancel = useAction();
  const rows = list.data?.data ?? [];
  return (
    <section class="card" aria-labelledby="sends-h">
      <h2 id="sends-h">Sends</h2>
      <Problem error={list.error ?? cancel.error} />
      {list.data && rows.length === 0 && <Empty>Nothing sent yet.</Empty>}
      {rows.length > 0 && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">Send at</th>
                <th scope="col">Targeted</th>
                <th scope="col">Delivered</th>
                <th scope="col">Failed</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((n) => (
                <tr key={n.id} data-notification={n.id}>
                  <td>{new Date(n.createdAt).toLocaleString()}</td>
                  <td>
                    <span class={`status status-${n.status}`}>{n.status}</span>
                  </td>
                  <td>{n.sendAt ? new Date(n.sendAt).toLocaleString() : '—'}</td>
                  <td>{fmt(n.counts.targeted)}</td>
                  <td>{fmt(n.counts.delivered)}</td>
                  <td>{fmt(n.counts.failed)}</td>
                  <td>
                    {canWrite.value && CANCELLABLE.has(n.status) && (
                      <button
                        class="danger"
                        disabled={cancel.busy}
                        onClick={() =>
                          void cancel.run(async () => {
                            await api.post(`/v1/notifications/${n.id}/cancel`);
                            list.reload();
                          })
                        }
                      >
                        Cancel
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
