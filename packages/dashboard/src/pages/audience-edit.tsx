import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { JobProgress } from '../components/job-progress.tsx';
import { RuleBuilder, type Choices } from '../components/rule-builder.tsx';
import { Field, fmt, Loading, PageHeader, Problem } from '../components/ui.tsx';
import { api, ApiError, type FieldError } from '../lib/api.ts';
import { loadChoices } from '../lib/choices.ts';
import { csvIds } from '../lib/csv-ids.ts';
import { useDebounced } from '../lib/debounce.ts';
import { fromRule, newNode, toRule, type RuleNode } from '../lib/rule-model.ts';
import { canWrite } from '../lib/session.ts';
import type { Audience, Size } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

const EMPTY_CHOICES: Choices = { sites: [], categories: [], audiences: [] };

/** A new audience (`id` null) or an existing one: its rule with a live size, or its members. */
export function AudienceEdit({ id }: { id: string | null }) {
  const [, navigate] = useLocation();
  const loaded = useLoad(
    () => (id ? api.get<Audience>(`/v1/audiences/${id}`) : Promise.resolve(undefined)),
    [id],
  );
  const choices = useLoad(() => loadChoices(id), [id]);
  const audience = loaded.data;

  const [name, setName] = useState('');
  const [type, setType] = useState<'rule' | 'manual'>('rule');
  const [tree, setTree] = useState<RuleNode>({
    kind: 'group',
    op: 'all',
    children: [newNode('event')],
  });
  useEffect(() => {
    if (!audience) return;
    setName(audience.name);
    setType(audience.type);
    if (audience.rule) setTree(fromRule(audience.rule));
  }, [audience?.id]);

  const [ruleErrors, setRuleErrors] = useState<FieldError[]>([]);
  const save = useAction();
  const remove = useAction();
  const writable = canWrite.value;

  if (id && !audience) return loaded.error ? <Problem error={loaded.error} /> : <Loading />;

  const submit = (e: Event) => {
    e.preventDefault();
    void save.run(async () => {
      const isRule = (audience?.type ?? type) === 'rule';
      const body = { name, ...(isRule && { rule: toRule(tree) }) };
      if (audience) {
        await api.patch(`/v1/audiences/${audience.id}`, body);
        loaded.reload();
      } else {
        const created = await api.post<Audience>('/v1/audiences', body);
        navigate(`/audiences/${created.id}`);
      }
    });
  };

  return (
    <>
      <PageHeader title={audience ? audience.name : 'New audience'}>
        {audience && writable && (
          <button
            class="danger"
            disabled={remove.busy}
            onClick={() =>
              confirm(`Delete the audience “${audience.name}”?`) &&
              void remove.run(async () => {
                await api.delete(`/v1/audiences/${audience.id}`);
                navigate('/audiences');
              })
            }
          >
            Delete
          </button>
        )}
      </PageHeader>
      <Problem error={remove.error} />
      <form class="card" onSubmit={submit}>
        <Field
          label="Name"
          value={name}
          required
          maxLength={200}
          disabled={!writable}
          onInput={setName}
          error={save.error?.fieldError('name')}
        />
        {!audience && (
          <fieldset class="radios">
            <legend>Type</legend>
            <label>
              <input
                type="radio"
                name="type"
                checked={type === 'rule'}
                onChange={() => setType('rule')}
              />{' '}
              Rule — members follow from events, traits and subscriptions
            </label>
            <label>
              <input
                type="radio"
                name="type"
                checked={type === 'manual'}
                onChange={() => setType('manual')}
              />{' '}
              Manual — you upload the members
            </label>
          </fieldset>
        )}
        {(audience?.type ?? type) === 'rule' && (
          <>
            {writable && <LiveSize tree={tree} onErrors={setRuleErrors} />}
            <RuleBuilder
              errors={save.error?.errors.length ? save.error.errors : ruleErrors}
              node={tree}
              onChange={setTree}
              choices={choices.data ?? EMPTY_CHOICES}
              disabled={!writable}
            />
          </>
        )}
        <Problem error={save.error} />
        {writable && (
          <button type="submit" class="primary" disabled={save.busy}>
            {audience ? 'Save audience' : 'Create audience'}
          </button>
        )}
      </form>
      {audience && audience.size && (
        <section class="card" aria-labelledby="size-h">
          <h2 id="size-h">Size</h2>
          <p>
            <strong>{fmt(audience.size.users)}</strong> users ·{' '}
            <strong>{fmt(audience.size.subscribers)}</strong> reachable subscribers
          </p>
        </section>
      )}
      {audience?.type === 'manual' && writable && (
        <MemberUpload audience={audience} onDone={loaded.reload} />
      )}
    </>
  );
}

/** The size of the rule as it is now, from `POST /v1/audiences/preview`, 400 ms after typing stops. */
function LiveSize({
  tree,
  onErrors,
}: {
  tree: RuleNode;
  onErrors: (errors: FieldError[]) => void;
}) {
  const rule = useMemo(() => JSON.stringify(toRule(tree)), [tree]);
  const settled = useDebounced(rule, 400);
  const [size, setSize] = useState<Size>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    setBusy(true);
    api.post<{ size: Size }>('/v1/audiences/preview', { rule: JSON.parse(settled) }).then(
      (r) => {
        if (!live) return;
        setSize(r.size);
        setError(undefined);
        onErrors([]);
        setBusy(false);
      },
      (e: ApiError) => {
        if (!live) return;
        setError(e);
        onErrors(e.errors);
        setBusy(false);
      },
    );
    return () => {
      live = false;
    };
  }, [settled]);

  return (
    <div class="live-size" aria-live="polite" aria-busy={busy}>
      {error ? (
        <p class="muted">Complete the rule to see its size ({error.detail}).</p>
      ) : size ? (
        <p>
          Estimated size: <strong data-testid="size-users">{fmt(size.users)}</strong> users ·{' '}
          <strong data-testid="size-subscribers">{fmt(size.subscribers)}</strong> subscribers
        </p>
      ) : (
        <p class="muted">Sizing…</p>
      )}
    </div>
  );
}

/** CSV of external ids → one members job (`POST /v1/audiences/{id}/members`), with its progress. */
function MemberUpload({ audience, onDone }: { audience: Audience; onDone: () => void }) {
  const [ids, setIds] = useState<string[]>();
  const [mode, setMode] = useState<'add' | 'remove'>('add');
  const [jobId, setJobId] = useState<string>();
  const upload = useAction();

  return (
    <section class="card" aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <p class="muted">
        Upload a CSV whose first column holds your users' external ids (a header row is fine).
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ids?.length) return;
          void upload.run(async () => {
            setJobId(undefined);
            const { jobId } = await api.post<{ jobId: string }>(
              `/v1/audiences/${audience.id}/members`,
              { [mode]: ids },
            );
            setJobId(jobId);
          });
        }}
      >
        <div class="field">
          <label for="csv">CSV file of external ids</label>
          <input
            id="csv"
            type="file"
            accept=".csv,text/csv,text/plain"
            onChange={async (e) => {
              const file = e.currentTarget.files?.[0];
              setIds(file ? csvIds(await file.text()) : undefined);
            }}
          />
          {ids && <small class="muted">{fmt(ids.length)} ids found</small>}
        </div>
        <fieldset class="radios">
          <legend>Members in the file</legend>
          <label>
            <input type="radio" checked={mode === 'add'} onChange={() => setMode('add')} /> Add
          </label>
          <label>
            <input type="radio" checked={mode === 'remove'} onChange={() => setMode('remove')} />{' '}
            Remove
          </label>
        </fieldset>
        <Problem error={upload.error} />
        <button type="submit" class="primary" disabled={!ids?.length || upload.busy}>
          Upload
        </button>
      </form>
      {jobId && <JobProgress jobId={jobId} onDone={onDone} />}
    </section>
  );
}
