import { useState } from 'preact/hooks';
import { Empty, Loading, PageHeader, Problem, TextArea } from '../components/ui.tsx';
import { api, type Page } from '../lib/api.ts';
import { describeStep, where } from '../lib/describe.ts';
import { canWrite } from '../lib/session.ts';
import type { Audience, Campaign, Step, Trigger } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

const STATS = ['fired', 'waiting', 'cancelled', 'sent', 'capped', 'completed'] as const;

export function Triggers() {
  const list = useLoad(async () => {
    const [triggers, campaigns, audiences] = await Promise.all([
      api.get<Page<Trigger>>('/v1/triggers?limit=100'),
      api.get<Page<Campaign>>('/v1/campaigns?limit=500'),
      api.get<Page<Audience>>('/v1/audiences?limit=500'),
    ]);
    const names = new Map<string, string>([
      ...campaigns.data.map((c) => [c.id, c.name] as [string, string]),
      ...audiences.data.map((a) => [a.id, a.name] as [string, string]),
    ]);
    return { triggers: triggers.data, names };
  }, []);

  return (
    <>
      <PageHeader title="Triggers" />
      <Problem error={list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data?.triggers.length === 0 && (
        <Empty>
          No triggers yet. A trigger reacts to an event: wait, stop if another event happens, send a
          message, move the person between audiences.
        </Empty>
      )}
      {list.data?.triggers.map((t) => (
        <TriggerCard key={t.id} trigger={t} names={list.data!.names} onChange={list.reload} />
      ))}
    </>
  );
}

function TriggerCard({
  trigger,
  names,
  onChange,
}: {
  trigger: Trigger;
  names: Map<string, string>;
  onChange: () => void;
}) {
  const toggle = useAction();
  const save = useAction();
  const [editing, setEditing] = useState(false);
  const [steps, setSteps] = useState('');
  return (
    <article class="card" aria-labelledby={`t-${trigger.id}`}>
      <header class="page-header">
        <h2 id={`t-${trigger.id}`}>
          {trigger.name}{' '}
          <span class={`status status-${trigger.active ? 'sending' : 'cancelled'}`}>
            {trigger.active ? 'active' : 'paused'}
          </span>
        </h2>
        {canWrite.value && (
          <div class="actions">
            <button
              disabled={toggle.busy}
              onClick={() =>
                void toggle.run(async () => {
                  await api.patch(`/v1/triggers/${trigger.id}`, { active: !trigger.active });
                  onChange();
                })
              }
            >
              {trigger.active ? 'Pause' : 'Resume'}
            </button>
            <button
              onClick={() => {
                setSteps(JSON.stringify(trigger.steps, null, 2));
                setEditing(!editing);
              }}
              aria-expanded={editing}
            >
              Edit steps
            </button>
          </div>
        )}
      </header>
      <Problem error={toggle.error} />
      <p>
        When “{trigger.on.event}” happens{where(trigger.on.where)}:
      </p>
      <ol class="steps">
        {trigger.steps.map((s, i) => (
          <li key={i}>{describeStep(s, names)}</li>
        ))}
      </ol>
      <dl class="counts">
        {STATS.map((k) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{trigger.stats[k] ?? 0}</dd>
          </div>
        ))}
      </dl>
      {editing && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.run(async () => {
              let parsed: Step[];
              try {
                parsed = JSON.parse(steps) as Step[];
              } catch {
                throw new Error('The steps are not valid JSON');
              }
              await api.patch(`/v1/triggers/${trigger.id}`, { steps: parsed });
              setEditing(false);
              onChange();
            });
          }}
        >
          <TextArea
            label="Steps (JSON: wait, unless, send, addTo, removeFrom)"
            value={steps}
            rows={10}
            onInput={setSteps}
          />
          <Problem error={save.error} />
          <button type="submit" class="primary" disabled={save.busy}>
            Save steps
          </button>
        </form>
      )}
    </article>
  );
}
