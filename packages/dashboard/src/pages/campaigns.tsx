import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { Empty, Field, Loading, PageHeader, Problem } from '../components/ui.tsx';
import { api, type Page } from '../lib/api.ts';
import { canWrite } from '../lib/session.ts';
import type { Campaign } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

export function Campaigns() {
  const list = useLoad(() => api.get<Page<Campaign>>('/v1/campaigns?limit=100'), []);
  return (
    <>
      <PageHeader title="Campaigns" />
      {canWrite.value && <NewCampaign />}
      <Problem error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data?.data.length === 0 && (
        <Empty>No campaigns yet. A campaign holds messages and counts what they achieve.</Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Messages</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link href={`/campaigns/${c.id}`}>{c.name}</Link>
                </td>
                <td>{c.messages.length}</td>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function NewCampaign() {
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const { busy, error, run } = useAction();
  return (
    <form
      class="card row"
      aria-label="New campaign"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const created = await api.post<Campaign>('/v1/campaigns', {
            name,
            messages: [{ title }],
          });
          navigate(`/campaigns/${created.id}`);
        });
      }}
    >
      <Field
        label="Campaign name"
        value={name}
        required
        onInput={setName}
        error={error?.fieldError('name')}
      />
      <Field
        label="First message title"
        value={title}
        required
        onInput={setTitle}
        error={error?.fieldError('messages.0.title')}
      />
      <button type="submit" class="primary" disabled={busy}>
        Create campaign
      </button>
      <Problem error={error} />
    </form>
  );
}
