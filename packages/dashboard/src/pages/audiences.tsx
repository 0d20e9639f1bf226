import { Link } from 'wouter-preact';
import { Empty, fmt, Loading, PageHeader, Problem } from '../components/ui.tsx';
import { api, type Page } from '../lib/api.ts';
import { canWrite } from '../lib/session.ts';
import type { Audience } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';

export function Audiences() {
  const list = useLoad(() => api.get<Page<Audience>>('/v1/audiences?limit=100'), []);
  return (
    <>
      <PageHeader title="Audiences">
        {canWrite.value && (
          <Link class="button primary" href="/audiences/new">
            New audience
          </Link>
        )}
      </PageHeader>
      <Problem error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data?.data.length === 0 && (
        <Empty>
          No audiences yet. An audience is a set of users and subscribers: built from a rule
          (events, traits, categories…) or a list you upload.
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Users</th>
              <th scope="col">Subscribers</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link href={`/audiences/${a.id}`}>{a.name}</Link>
                </td>
                <td>{a.type === 'rule' ? 'Rule' : 'Manual'}</td>
                {a.size ? (
                  <>
                    <td>{fmt(a.size.users)}</td>
                    <td>{fmt(a.size.subscribers)}</td>
                  </>
                ) : (
                  <td colSpan={2} class="field-error">
                    {a.ruleError ?? '—'}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
