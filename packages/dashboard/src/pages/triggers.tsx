import { useState } from 'preact/hooks';
import { TriggerEditor } from '../components/trigger-editor.tsx';
import { Empty, Loading, PageHeader, Problem } from '../components/ui.tsx';
import { api, type Page } from '../lib/api.ts';
import { describeStep, where } from '../lib/describe.ts';
import { canWrite } from '../lib/session.ts';
import type { Audience, Campaign, Trigger } from '../lib/types.ts';
import { useAction, useLoad } from '../lib/use-load.ts';

const STATS = ['fired', 'waiting', 'cancelled', 'sent', 'capped', 'completed'] as const;

interface Loaded {
  triggers: Trigger[];
  campaigns: Campaign[];
  audiences: Audience[];
  names: Map<string, string>;
}

export function Triggers() {
  const [creating, setCreating] = useState(false);
  const list = useLoad<Loaded>(async () => {
    const [triggers, campaigns, audiences] = await Promise.all([
      api.get<Page<Trigger>>('/v1/triggers?limit=100'),
      api.get<Page<Campaign>>('/v1/campaigns?limit=500'),
      api.get<Page<Audience>>('/v1/audiences?limit=500'),
    ]);
    const names = new Map<string, string>([
      ...campaigns.data.map((c) => [c.id, c.name] as [string, string]),
      ...audiences.data.map((a) => [a.id, a.name] as [string, string]),
    ]);
    return {
      triggers: triggers.data,
      campaigns: campaigns.data,
      audiences: audiences.data,
      names,
    };
  }, []);
  const data = list.data;

  return (
    <>
      <PageHeader title="Triggers">
        {canWrite.value && !creating && (
          <button class="primary" onClick={() => setCreating(true)}>
            New trigger
          </button>
        )}
      </PageHeader>
      <Problem error={list.error} />
      {list.loading && !data && <Loading />}
      {creating && data && (
        <TriggerEditor
          campaigns={data.campaigns}
          audiences={data.audiences}
          onCancel={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            list.reload();
          }}
        />
      )}
      {data?.triggers.length === 0 && !creating && (
        <Empty>
          No triggers yet. A trigger reacts to an event: wait, stop if another event happens, send a
          message, move the person between audiences.
        </Empty>
      )}
      {data?.triggers.map((t) => (
        <TriggerCard key={t.id} trigger={t} data={data} onChange={list.reload} />
      ))}
    </>
  );
}

function TriggerCard({
  trigger,
  data,
  onChange,
}: {
  trigger: Trigger;
  data: Loaded;
  onChange: () => void;
}) {
  const toggle = useAction();
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <TriggerEditor
        trigger={trigger}
        campaigns={data.campaigns}
        audiences={data.audiences}
        onCancel={() => setEditing(false)}
        onSaved={() => {
          setEditing(false);
          onChange();
        }}
      />
    );
  }
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
            <button onClick={() => setEditing(true)}>Edit</button>
          </div>
        )}
      </header>
      <Problem error={toggle.error} />
      <p>
        When “{trigger.on.event}” happens{where(trigger.on.where)}:
      </p>
      <ol class="steps">
        {trigger.steps.map((s, i) => (
          <li key={i}>{describeStep(s, data.names)}</li>
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
    </article>
  );
}
