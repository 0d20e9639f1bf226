import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { Empty, Field, Loading, PageHeader, Problem, Select } from '../components/ui.tsx';
import { api, query, type Page } from '../lib/api.ts';
import { loadChoices } from '../lib/choices.ts';
import { useDebounced } from '../lib/debounce.ts';
import type { Subscriber } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

/** Search by external id, filter by site / category / audience; one page at a time. */
export function Subscribers() {
  const [externalId, setExternalId] = useState('');
  const [siteId, setSiteId] = useState('');
  const [category, setCategory] = useState('');
  const [audienceId, setAudienceId] = useState('');
  const search = useDebounced(externalId.trim(), 300);
  const choices = useLoad(() => loadChoices(), []);
  const filters = { externalId: search, siteId, category, audienceId };
  const first = useLoad(
    () => api.get<Page<Subscriber>>(`/v1/subscribers${query({ ...filters, limit: 50 })}`),
    [search, siteId, category, audienceId],
  );
  const [rows, setRows] = useState<Subscriber[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const more = useAction();
  useEffect(() => {
    setRows(first.data?.data ?? []);
    setCursor(first.data?.nextCursor ?? null);
  }, [first.data]);
  const siteName = new Map(choices.data?.sites ?? []);

  return (
    <>
      <PageHeader title="Subscribers" />
      <form class="filters card" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="External id" type="search" value={externalId} onInput={setExternalId} />
        <Select
          label="Site"
          value={siteId}
          onChange={setSiteId}
          options={[['', 'All sites'], ...(choices.data?.sites ?? [])]}
        />
        <Select
          label="Category"
          value={category}
          onChange={setCategory}
          options={[['', 'All categories'], ...(choices.data?.categories ?? [])]}
        />
        <Select
          label="Audience"
          value={audienceId}
          onChange={setAudienceId}
          options={[['', 'Any audience'], ...(choices.data?.audiences ?? [])]}
        />
      </form>
      <Problem error={first.error ?? more.error} />
      {first.loading && !first.data && <Loading />}
      {first.data && rows.length === 0 && <Empty>No subscriber matches these filters.</Empty>}
      {rows.length > 0 && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Subscriber</th>
                <th scope="col">External id</th>
                <th scope="col">Site</th>
                <th scope="col">Categories</th>
                <th scope="col">Subscribed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link href={`/subscribers/${s.id}`}>{s.id}</Link>
                  </td>
                  <td>{s.externalId ?? '—'}</td>
                  <td>{siteName.get(s.siteId) ?? s.siteId}</td>
                  <td>{s.categories.join(', ') || '—'}</td>
                  <td>{new Date(s.createdAt).toLocaleDateString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button
          disabled={more.busy}
          onClick={() =>
            void more.run(async () => {
              const page = await api.get<Page<Subscriber>>(
                `/v1/subscribers${query({ ...filters, limit: 50, cursor })}`,
              );
              setRows([...rows, ...page.data]);
              setCursor(page.nextCursor);
            })
          }
        >
          Load more
        </button>
      )}
    </>
  );
}
