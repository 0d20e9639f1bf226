import { Link } from 'wouter-preact';
import { SubscriberActivityLists } from '../components/subscriber-activity.tsx';
import { Empty, Loading, PageHeader, Problem } from '../components/ui.tsx';
import { api } from '../lib/api.ts';
import type { Subscriber } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';

interface UserInfo {
  externalId: string;
  traits: Record<string, unknown>;
  subscribers: Subscriber[];
  audiences: Array<{ id: string; name: string; type: string }>;
}

/**
 * One subscriber, and when it is linked to a user: the user's traits, devices and audiences;
 * then its recent events and pushes.
 */
export function SubscriberPage({ id }: { id: string }) {
  const loaded = useLoad(async () => {
    const subscriber = await api.get<Subscriber>(`/v1/subscribers/${id}`);
    const user = subscriber.externalId
      ? await api.get<UserInfo>(`/v1/users/${encodeURIComponent(subscriber.externalId)}`)
      : undefined;
    return { subscriber, user };
  }, [id]);
  if (!loaded.data) return loaded.error ? <Problem error={loaded.error} /> : <Loading />;
  const { subscriber: s, user } = loaded.data;
  return (
    <>
      <PageHeader title={`Subscriber ${s.id}`} />
      <section class="card">
        <dl class="facts">
          <dt>External id</dt>
          <dd>{s.externalId ?? 'not identified'}</dd>
          <dt>Categories</dt>
          <dd>{s.categories.join(', ') || 'none'}</dd>
          <dt>Timezone</dt>
          <dd>{s.timezone ?? '—'}</dd>
          <dt>Language</dt>
          <dd>{s.language ?? '—'}</dd>
          <dt>Subscribed</dt>
          <dd>{new Date(s.createdAt).toLocaleString()}</dd>
          <dt>Last seen</dt>
          <dd>{s.lastSeenAt ? new Date(s.lastSeenAt).toLocaleString() : '—'}</dd>
        </dl>
      </section>
      {user && (
        <>
          <section class="card" aria-labelledby="traits-h">
            <h2 id="traits-h">User {user.externalId}: traits</h2>
            {Object.keys(user.traits).length === 0 ? (
              <Empty>No traits.</Empty>
            ) : (
              <dl class="facts">
                {Object.entries(user.traits).map(([k, v]) => (
                  <>
                    <dt>{k}</dt>
                    <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                  </>
                ))}
              </dl>
            )}
          </section>
          <section class="card" aria-labelledby="aud-h">
            <h2 id="aud-h">Audiences</h2>
            {user.audiences.length === 0 ? (
              <Empty>In no audience.</Empty>
            ) : (
              <ul>
                {user.audiences.map((a) => (
                  <li key={a.id}>
                    <Link href={`/audiences/${a.id}`}>{a.name}</Link> ({a.type})
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section class="card" aria-labelledby="dev-h">
            <h2 id="dev-h">The user's other browsers</h2>
            <ul>
              {user.subscribers
                .filter((o) => o.id !== s.id)
                .map((o) => (
                  <li key={o.id}>
                    <Link href={`/subscribers/${o.id}`}>{o.id}</Link>
                  </li>
                ))}
            </ul>
          </section>
        </>
      )}
      <SubscriberActivityLists id={s.id} />
    </>
  );
}
