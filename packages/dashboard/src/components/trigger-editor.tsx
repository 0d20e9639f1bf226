import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { duration } from '../lib/describe.ts';
import type { Audience, Campaign, Step, Trigger } from '../lib/types.ts';
import { useAction } from '../lib/use-load.ts';
import { Field, Problem, Select } from './ui.tsx';

type Kind = 'wait' | 'unless' | 'send' | 'addTo' | 'removeFrom';
const KINDS: Array<[Kind, string]> = [
  ['wait', 'Wait'],
  ['unless', 'Stop if an event happens'],
  ['send', 'Send a message'],
  ['addTo', 'Add to an audience'],
  ['removeFrom', 'Remove from an audience'],
];

function kindOf(step: Step): Kind {
  return Object.keys(step)[0] as Kind;
}

function newStep(kind: Kind, campaigns: Campaign[], audiences: Audience[]): Step {
  switch (kind) {
    case 'wait':
      return { wait: 'PT1H' };
    case 'unless':
      return { unless: { event: '' } };
    case 'send':
      return { send: { campaignId: campaigns[0]?.id ?? '' } };
    default:
      return { [kind]: audiences[0]?.id ?? '' } as Step;
  }
}

/**
 * A trigger's chain as editable steps (wait → unless → send → add / remove), saved with
 * `POST /v1/triggers` or `PATCH /v1/triggers/{id}`; the server's 400 names a step by its path
 * (`steps.2.send.campaignId`) and the message shows beside that step.
 */
export function TriggerEditor({
  trigger,
  campaigns,
  audiences,
  onSaved,
  onCancel,
}: {
  trigger?: Trigger;
  campaigns: Campaign[];
  audiences: Audience[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(trigger?.name ?? '');
  const [event, setEvent] = useState(trigger?.on.event ?? '');
  const [steps, setSteps] = useState<Step[]>(trigger?.steps ?? [{ wait: 'PT1H' }]);
  const save = useAction();
  const manual = audiences.filter((a) => a.type === 'manual');
  const audienceOptions = manual.map((a) => [a.id, a.name] as [string, string]);
  const err = (path: string) =>
    save.error?.errors.find((e) => e.path === path || e.path.startsWith(path + '.'))?.message;
  const set = (i: number, step: Step) => setSteps(steps.map((s, j) => (j === i ? step : s)));
  const move = (i: number, by: number) => {
    const next = [...steps];
    const [step] = next.splice(i, 1);
    next.splice(i + by, 0, step as Step);
    setSteps(next);
  };

  return (
    <form
      class="card"
      aria-label={trigger ? `Edit ${trigger.name}` : 'New trigger'}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run(async () => {
          const on = { ...trigger?.on, event };
          if (trigger) await api.patch(`/v1/triggers/${trigger.id}`, { name, on, steps });
          else await api.post('/v1/triggers', { name, on, steps, active: true });
          onSaved();
        });
      }}
    >
      <div class="row">
        <Field label="Trigger name" value={name} required onInput={setName} error={err('name')} />
        <Field
          label="When this event happens"
          value={event}
          required
          placeholder="Cart Updated"
          onInput={setEvent}
          error={err('on')}
        />
      </div>
      <ol class="step-editor">
        {steps.map((step, i) => {
          const kind = kindOf(step);
          return (
            <li key={i}>
              <fieldset>
                <legend>Step {i + 1}</legend>
                <div class="row">
                  <Select
                    label={`Step ${i + 1} does`}
                    value={kind}
                    onChange={(k) => set(i, newStep(k as Kind, campaigns, audiences))}
                    options={KINDS}
                  />
                  {'wait' in step && (
                    <Field
                      label={`Step ${i + 1} waits for`}
                      value={step.wait}
                      hint={`ISO duration: ${duration(step.wait)}`}
                      onInput={(wait) => set(i, { wait })}
                      error={err(`steps.${i}`)}
                    />
                  )}
                  {'unless' in step && (
                    <Field
                      label={`Step ${i + 1} stops if this event happens`}
                      value={step.unless.event}
                      onInput={(event) => set(i, { unless: { ...step.unless, event } })}
                      error={err(`steps.${i}`)}
                    />
                  )}
                  {'send' in step && (
                    <>
                      <Select
                        label={`Step ${i + 1} campaign`}
                        value={step.send.campaignId}
                        onChange={(campaignId) => set(i, { send: { campaignId } })}
                        options={campaigns.map((c) => [c.id, c.name])}
                        error={err(`steps.${i}.send.campaignId`)}
                      />
                      <Select
                        label={`Step ${i + 1} message`}
                        value={step.send.messageId ?? ''}
                        onChange={(messageId) =>
                          set(i, {
                            send: {
                              campaignId: step.send.campaignId,
                              ...(messageId && { messageId }),
                            },
                          })
                        }
                        options={[
                          ['', 'The first message'],
                          ...(
                            campaigns.find((c) => c.id === step.send.campaignId)?.messages ?? []
                          ).map((m) => [m.id ?? '', m.title] as [string, string]),
                        ]}
                        error={err(`steps.${i}.send.messageId`)}
                      />
                    </>
                  )}
                  {('addTo' in step || 'removeFrom' in step) && (
                    <Select
                      label={`Step ${i + 1} audience`}
                      value={'addTo' in step ? step.addTo : step.removeFrom}
                      onChange={(id) => set(i, { [kind]: id } as Step)}
                      options={audienceOptions}
                      error={err(`steps.${i}`)}
                    />
                  )}
                </div>
                <div class="actions">
                  <button type="button" disabled={i === 0} onClick={() => move(i, -1)}>
                    Move step {i + 1} up
                  </button>
                  <button
                    type="button"
                    disabled={i === steps.length - 1}
                    onClick={() => move(i, 1)}
                  >
                    Move step {i + 1} down
                  </button>
                  <button
                    type="button"
                    class="danger"
                    disabled={steps.length === 1}
                    onClick={() => setSteps(steps.filter((_, j) => j !== i))}
                  >
                    Remove step {i + 1}
                  </button>
                </div>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={() => setSteps([...steps, { wait: 'PT1H' }])}>
        Add a step
      </button>
      <Problem error={save.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          Save trigger
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
