import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { Empty, Field, Loading, PageHeader, Problem } from '../components/ui.tsx';
import { api, type Page } from '../lib/api.ts';
import { canWrite } from '../lib/session.ts';
import type { Site } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

export function Sites() {
  const list = useLoad(() => api.get<Page<Site> | Site[]>('/v1/sites'), []);
  const sites = Array.isArray(list.data) ? list.data : (list.data?.data ?? []);
  return (
    <>
      <PageHeader title="Sites" />
      {canWrite.value && <NewSite />}
      <Problem error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && sites.length === 0 && (
        <Empty>No sites yet. Add the website you push for.</Empty>
      )}
      {sites.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Origins</th>
              <th scope="col">Categories</th>
            </tr>
          </thead>
          <tbody>
            {sites.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={`/sites/${s.id}`}>{s.name}</Link>
                </td>
                <td>{s.origins.join(', ') || '—'}</td>
                <td>{s.categories.map((c) => c.label).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function NewSite() {
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [origin, setOrigin] = useState('');
  const { busy, error, run } = useAction();
  return (
    <form
      class="card row"
      aria-label="New site"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const site = await api.post<Site>('/v1/sites', {
            name,
            origins: origin.trim() ? [origin.trim()] : [],
          });
          navigate(`/sites/${site.id}`);
        });
      }}
    >
      <Field
        label="Site name"
        value={name}
        required
        onInput={setName}
        error={error?.fieldError('name')}
      />
      <Field
        label="Origin"
        value={origin}
        placeholder="https://shop.example"
        onInput={setOrigin}
        error={error?.errors.find((e) => e.path.startsWith('origins'))?.message}
      />
      <button type="submit" class="primary" disabled={busy}>
        Add site
      </button>
      <Problem error={error} />
    </form>
  );
}
