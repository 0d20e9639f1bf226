import { useState } from 'preact/hooks';
import { Empty, Field, PageHeader, Problem, Select } from '../components/ui.tsx';
import { Webhooks } from '../components/webhooks.tsx';
import { api } from '../lib/api.ts';
import { isOwner, session, signOut } from '../lib/session.ts';
import type { ApiKey, Role, TeamMember } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

const ROLES: Array<[Role, string]> = [
  ['owner', 'Owner — everything'],
  ['marketer', 'Marketer — all but keys and team'],
  ['viewer', 'Viewer — read only'],
];

/** Lists come as `{data}` (API.md's list shape) or a bare array; both are read. */
const rows = <T,>(r: { data: T[] } | T[] | undefined): T[] =>
  Array.isArray(r) ? r : (r?.data ?? []);

export function Settings() {
  return (
    <>
      <PageHeader title="Settings">
        <button onClick={() => void signOut(true)}>Sign out everywhere</button>
      </PageHeader>
      {isOwner.value ? (
        <>
          <Team />
          <ApiKeys />
          <Webhooks />
        </>
      ) : (
        <Empty>
          The team, API keys and webhooks are managed by the workspace's owners. You are signed in
          as {session.value?.user.email} ({session.value?.user.role}).
        </Empty>
      )}
    </>
  );
}

function Team() {
  const list = useLoad(() => api.get<{ data: TeamMember[] } | TeamMember[]>('/v1/team'), []);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('marketer');
  const [link, setLink] = useState<string>();
  const invite = useAction();
  const change = useAction();
  const me = session.value?.user.id;
  return (
    <section class="card" aria-labelledby="team-h">
      <h2 id="team-h">Team</h2>
      <Problem error={list.error ?? change.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows(list.data).map((m) => (
            <tr key={m.id}>
              <td>{m.email}</td>
              <td>
                <Select
                  label={`Role of ${m.email}`}
                  class="compact"
                  value={m.role}
                  onChange={(r) =>
                    void change.run(async () => {
                      await api.patch(`/v1/team/${m.id}`, { role: r });
                      list.reload();
                    })
                  }
                  options={ROLES}
                />
              </td>
              <td>
                {m.id !== me && (
                  <button
                    class="danger"
                    onClick={() =>
                      confirm(`Remove ${m.email} from the team?`) &&
                      void change.run(async () => {
                        await api.delete(`/v1/team/${m.id}`);
                        list.reload();
                      })
                    }
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="row"
        aria-label="Invite"
        onSubmit={(e) => {
          e.preventDefault();
          setLink(undefined);
          void invite.run(async () => {
            const r = await api.post<Record<string, unknown>>('/v1/team', { email, role });
            const url = ['link', 'inviteUrl', 'setPasswordUrl', 'url']
              .map((k) => r[k])
              .find((v) => typeof v === 'string');
            setLink(typeof url === 'string' ? url : 'Invited.');
            setEmail('');
            list.reload();
          });
        }}
      >
        <Field
          label="Invite email"
          type="email"
          required
          value={email}
          onInput={setEmail}
          error={invite.error?.fieldError('email')}
        />
        <Select label="Role" value={role} onChange={(r) => setRole(r as Role)} options={ROLES} />
        <button type="submit" class="primary" disabled={invite.busy}>
          Invite
        </button>
      </form>
      <Problem error={invite.error} />
      {link && (
        <p role="status">
          Send this one-time link to set a password: <code>{link}</code>
        </p>
      )}
    </section>
  );
}

function ApiKeys() {
  const list = useLoad(() => api.get<{ data: ApiKey[] } | ApiKey[]>('/v1/api-keys'), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const create = useAction();
  const revoke = useAction();
  return (
    <section class="card" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <Problem error={list.error ?? revoke.error} />
      {list.data && rows(list.data).length === 0 && <Empty>No API keys.</Empty>}
      <ul class="plain">
        {rows(list.data).map((k) => (
          <li key={k.id} class="row">
            <span>
              {k.name}{' '}
              <small class="muted">
                {k.createdAt && `created ${new Date(k.createdAt).toLocaleDateString()}`}
              </small>
            </span>
            <button
              class="danger"
              onClick={() =>
                confirm(
                  `Revoke the key “${k.name ?? k.prefix}”? Anything using it stops working at once.`,
                ) &&
                void revoke.run(async () => {
                  await api.delete(`/v1/api-keys/${k.id}`);
                  list.reload();
                })
              }
            >
              Revoke {k.name ?? k.prefix}
            </button>
          </li>
        ))}
      </ul>
      <form
        class="row"
        aria-label="New API key"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run(async () => {
            const r = await api.post<{ name: string; key: string }>('/v1/api-keys', { name });
            setCreated(r);
            setName('');
            list.reload();
          });
        }}
      >
        <Field
          label="Key name"
          required
          value={name}
          onInput={setName}
          error={create.error?.fieldError('name')}
        />
        <button type="submit" class="primary" disabled={create.busy}>
          Create key
        </button>
      </form>
      <Problem error={create.error} />
      {created && (
        <p role="status">
          The key “{created.name}” (shown once — copy it now): <code>{created.key}</code>
        </p>
      )}
    </section>
  );
}
