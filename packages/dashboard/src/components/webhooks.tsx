import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { useAction, useLoad } from '../lib/use-load.ts';
import { Empty, Field, Problem } from './ui.tsx';

/** API.md "Events out": the types a webhook can subscribe to, in the server's order. */
const EVENT_TYPES = [
  'subscriber.created',
  'subscriber.deleted',
  'delivery.sent',
  'delivery.delivered',
  'delivery.failed',
  'delivery.capped',
  'receipt.shown',
  'receipt.clicked',
  'receipt.closed',
  'notification.finished',
];

interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  /** Why Beckon turned it off (failing too long), if it did. */
  disabledReason: string | null;
}

interface Attempt {
  id: string;
  type: string;
  status: 'pending' | 'sent';
  attempts: number;
  /** HTTP status of the last attempt; 0: no answer. */
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** Settings → Webhooks (owner only, like API keys): list, create, enable/disable, delete. */
export function Webhooks() {
  const list = useLoad(() => api.get<{ data: Webhook[] }>('/v1/webhooks'), []);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [secret, setSecret] = useState<{ url: string; secret: string }>();
  const [open, setOpen] = useState<string>();
  const create = useAction();
  const change = useAction();
  const hooks = list.data?.data ?? [];

  const update = (fn: () => Promise<unknown>) =>
    void change.run(async () => {
      await fn();
      list.reload();
    });

  return (
    <section class="card" aria-labelledby="hooks-h">
      <h2 id="hooks-h">Webhooks</h2>
      <Problem error={list.error ?? change.error} />
      {list.data && hooks.length === 0 && <Empty>No webhooks.</Empty>}
      <ul class="plain">
        {hooks.map((w) => (
          <li key={w.id}>
            <div class="row">
              <span>
                <code>{w.url}</code> <strong>{w.enabled ? 'Enabled' : 'Disabled'}</strong>
                <br />
                <small class="muted">{w.events.join(', ')}</small>
                {w.disabledReason && (
                  <>
                    <br />
                    <small class="field-error">Turned off by Beckon: {w.disabledReason}</small>
                  </>
                )}
              </span>
              <button
                onClick={() =>
                  update(() => api.patch(`/v1/webhooks/${w.id}`, { enabled: !w.enabled }))
                }
              >
                {w.enabled ? 'Disable' : 'Enable'} {w.url}
              </button>
              <button
                aria-expanded={open === w.id}
                onClick={() => setOpen(open === w.id ? undefined : w.id)}
              >
                Deliveries of {w.url}
              </button>
              <button
                class="danger"
                onClick={() =>
                  confirm(`Delete the webhook to ${w.url}? What it has not sent yet is dropped.`) &&
                  update(() => api.delete(`/v1/webhooks/${w.id}`))
                }
              >
                Delete {w.url}
              </button>
            </div>
            {open === w.id && <Deliveries id={w.id} url={w.url} />}
          </li>
        ))}
      </ul>
      <form
        aria-label="New webhook"
        onSubmit={(e) => {
          e.preventDefault();
          setSecret(undefined);
          void create.run(async () => {
            const r = await api.post<Webhook & { secret: string }>('/v1/webhooks', {
              url,
              events,
            });
            setSecret({ url: r.url, secret: r.secret });
            setUrl('');
            setEvents([]);
            list.reload();
          });
        }}
      >
        <Field
          label="Webhook URL"
          type="url"
          required
          placeholder="https://example.com/beckon-events"
          value={url}
          onInput={setUrl}
          error={create.error?.fieldError('url')}
        />
        <fieldset
          aria-describedby={create.error?.fieldError('events') ? 'hook-events-error' : undefined}
        >
          <legend>Events</legend>
          {EVENT_TYPES.map((t) => (
            <label key={t} class="check">
              <input
                type="checkbox"
                checked={events.includes(t)}
                onChange={(e) =>
                  setEvents(
                    e.currentTarget.checked ? [...events, t] : events.filter((x) => x !== t),
                  )
                }
              />{' '}
              {t}
            </label>
          ))}
          {create.error?.fieldError('events') && (
            <small id="hook-events-error" class="field-error">
              {create.error.fieldError('events')}
            </small>
          )}
        </fieldset>
        <Problem error={create.error} />
        <button type="submit" class="primary" disabled={create.busy}>
          Create webhook
        </button>
      </form>
      {secret && (
        <p role="status">
          The signing secret of {secret.url} (shown once — copy it now):{' '}
          <code>{secret.secret}</code>
        </p>
      )}
    </section>
  );
}

/** The newest attempts of one webhook (`GET /v1/webhooks/{id}/deliveries`). */
function Deliveries({ id, url }: { id: string; url: string }) {
  const page = useLoad(
    () => api.get<{ data: Attempt[] }>(`/v1/webhooks/${id}/deliveries?limit=20`),
    [id],
  );
  const rows = page.data?.data ?? [];
  return (
    <div class="table-scroll">
      <button onClick={page.reload} disabled={page.loading}>
        Refresh deliveries
      </button>
      <Problem error={page.error} />
      {page.data && rows.length === 0 && <Empty>Nothing sent yet.</Empty>}
      {rows.length > 0 && (
        <table>
          <caption>Recent deliveries of {url}</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Last attempt</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.id}>
                <td>{a.type}</td>
                <td>{a.status}</td>
                <td>{a.attempts}</td>
                <td>
                  {a.lastStatus === null ? '—' : a.lastStatus === 0 ? 'no answer' : a.lastStatus}
                  {a.lastError && <small class="muted"> {a.lastError}</small>}
                </td>
                <td>{when(a.lastAttemptAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
