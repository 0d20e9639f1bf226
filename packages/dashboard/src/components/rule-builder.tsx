import { createContext } from 'preact';
import { useContext, useState } from 'preact/hooks';
import type { FieldError } from '../lib/api.ts';
import { COUNT_OPS, newNode, OPS, type Condition, type RuleNode } from '../lib/rule-model.ts';
import { Field, Select } from './ui.tsx';

export interface Choices {
  sites: Array<[id: string, name: string]>;
  categories: Array<[id: string, label: string]>;
  audiences: Array<[id: string, name: string]>;
}

const KINDS: Array<[RuleNode['kind'], string]> = [
  ['event', 'Did an event'],
  ['trait', 'Has a trait'],
  ['category', 'Subscribed to a category'],
  ['site', 'Subscribed on a site'],
  ['subscribed', 'Subscribed between dates'],
  ['inAudience', 'Is in an audience'],
  ['group', 'Group (all / any)'],
  ['not', 'Not'],
];

const OP_LABELS: Record<string, string> = {
  eq: 'equals',
  ne: 'is not',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'is one of',
  contains: 'contains',
  exists: 'exists',
};

type Props<N extends RuleNode = RuleNode> = {
  node: N;
  onChange: (node: RuleNode) => void;
  choices: Choices;
  disabled?: boolean;
  /** Where this node sits in the rule JSON, as the API names paths (`rule.all.0.event`). */
  path?: string;
};

/** The live preview's field errors, so each shows beside the field it names. */
const Errors = createContext<FieldError[]>([]);
function useErrorAt(): (path: string) => string | undefined {
  const errors = useContext(Errors);
  return (path) => errors.find((e) => e.path === path || e.path.startsWith(path + '.'))?.message;
}

/**
 * Edits a rule over the whole condition language of API.md: event (where / within / count),
 * trait, category, site, subscription date, in-audience, combined with all / any / not.
 */
export function RuleBuilder(props: Props & { errors?: FieldError[] }) {
  return (
    <Errors.Provider value={props.errors ?? []}>
      <div class="rule-builder">
        <NodeEditor {...props} path="rule" />
      </div>
    </Errors.Provider>
  );
}

function NodeEditor(props: Props & { onRemove?: () => void }) {
  const { node, onRemove, disabled } = props;
  const path = props.path ?? 'rule';
  const errorAt = useErrorAt();
  const label = KINDS.find(([k]) => k === node.kind)?.[1] ?? node.kind;
  return (
    <fieldset class={`rule-node rule-${node.kind}`} disabled={disabled}>
      <legend>{node.kind === 'group' ? (node.op === 'all' ? 'All of' : 'Any of') : label}</legend>
      {node.kind === 'group' && <GroupEditor {...(props as Props<typeof node>)} path={path} />}
      {node.kind === 'not' && (
        <NodeEditor
          node={node.child}
          choices={props.choices}
          path={`${path}.not`}
          onChange={(child) => props.onChange({ ...node, child })}
        />
      )}
      {node.kind === 'event' && <EventEditor {...(props as Props<typeof node>)} path={path} />}
      {node.kind === 'trait' && (
        <Conditions
          error={errorAt(`${path}.trait`)}
          conditions={node.where}
          onChange={(where) => props.onChange({ ...node, where })}
          what="trait"
        />
      )}
      {(node.kind === 'category' || node.kind === 'site' || node.kind === 'inAudience') && (
        <Select
          label={node.kind === 'category' ? 'Category' : node.kind === 'site' ? 'Site' : 'Audience'}
          value={node.id}
          error={errorAt(`${path}.${node.kind}`)}
          onChange={(id) => props.onChange({ ...node, id })}
          options={[
            ['', 'Choose…'],
            ...(node.kind === 'category'
              ? props.choices.categories
              : node.kind === 'site'
                ? props.choices.sites
                : props.choices.audiences),
          ]}
        />
      )}
      {node.kind === 'subscribed' && (
        <div class="row">
          <Field
            label="Subscribed from"
            type="datetime-local"
            value={node.from}
            error={errorAt(`${path}.subscribedBetween.from`)}
            onInput={(from) => props.onChange({ ...node, from })}
          />
          <Field
            label="Subscribed until"
            type="datetime-local"
            value={node.to}
            error={errorAt(`${path}.subscribedBetween.to`)}
            onInput={(to) => props.onChange({ ...node, to })}
          />
        </div>
      )}
      {onRemove && (
        <button type="button" class="link remove" onClick={onRemove}>
          Remove condition
        </button>
      )}
    </fieldset>
  );
}

function GroupEditor({
  node,
  onChange,
  choices,
  path,
}: Props<Extract<RuleNode, { kind: 'group' }>>) {
  const [adding, setAdding] = useState<RuleNode['kind']>('event');
  const set = (i: number, child: RuleNode) =>
    onChange({ ...node, children: node.children.map((c, j) => (j === i ? child : c)) });
  return (
    <>
      <Select
        label="Match"
        value={node.op}
        onChange={(op) => onChange({ ...node, op: op as 'all' | 'any' })}
        options={[
          ['all', 'all of these'],
          ['any', 'any of these'],
        ]}
      />
      {node.children.map((child, i) => (
        <NodeEditor
          key={i}
          node={child}
          choices={choices}
          path={`${path}.${node.op}.${i}`}
          onChange={(c) => set(i, c)}
          onRemove={() => onChange({ ...node, children: node.children.filter((_, j) => j !== i) })}
        />
      ))}
      <div class="row add-row">
        <Select
          label="New condition"
          value={adding}
          onChange={(k) => setAdding(k as RuleNode['kind'])}
          options={KINDS}
        />
        <button
          type="button"
          onClick={() => onChange({ ...node, children: [...node.children, newNode(adding)] })}
        >
          Add condition
        </button>
      </div>
    </>
  );
}

function EventEditor({ node, onChange, path }: Props<Extract<RuleNode, { kind: 'event' }>>) {
  const errorAt = useErrorAt();
  const at = `${path}.event`;
  return (
    <>
      <div class="row">
        <Field
          label="Event name"
          value={node.name}
          placeholder="Order Completed"
          error={errorAt(`${at}.name`)}
          onInput={(name) => onChange({ ...node, name })}
        />
        <Field
          label="Within"
          value={node.within}
          placeholder="P30D"
          hint="ISO duration; empty for all time"
          error={errorAt(`${at}.within`)}
          onInput={(within) => onChange({ ...node, within })}
        />
        <Select
          label="Times"
          value={node.countOp}
          onChange={(countOp) => onChange({ ...node, countOp: countOp as typeof node.countOp })}
          options={COUNT_OPS.map((op) => [op, `${OP_LABELS[op]}`])}
        />
        <Field
          label="Count"
          type="number"
          min="0"
          value={node.count}
          error={errorAt(`${at}.count`)}
          onInput={(count) => onChange({ ...node, count })}
        />
      </div>
      <Conditions
        conditions={node.where}
        onChange={(where) => onChange({ ...node, where })}
        error={errorAt(`${at}.where`)}
        what="event property"
      />
    </>
  );
}

function Conditions({
  conditions,
  onChange,
  what,
  error,
}: {
  error?: string | undefined;
  conditions: Condition[];
  onChange: (c: Condition[]) => void;
  what: string;
}) {
  const set = (i: number, patch: Partial<Condition>) =>
    onChange(conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  return (
    <div class="conditions">
      {conditions.map((c, i) => (
        <div class="row condition" key={i}>
          <Field label="Property" value={c.prop} onInput={(prop) => set(i, { prop })} />
          <Select
            label="Operator"
            value={c.op}
            onChange={(op) => set(i, { op: op as Condition['op'] })}
            options={OPS.map((op) => [op, OP_LABELS[op] ?? op])}
          />
          <Field
            label="Value"
            value={c.value}
            hint={c.op === 'in' ? 'comma separated' : undefined}
            onInput={(value) => set(i, { value })}
          />
          <button
            type="button"
            class="link"
            aria-label={`Remove ${what} condition ${i + 1}`}
            onClick={() => onChange(conditions.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      {error && <small class="field-error">{error}</small>}
      <button
        type="button"
        onClick={() => onChange([...conditions, { prop: '', op: 'eq', value: '' }])}
      >
        Add {what} condition
      </button>
    </div>
  );
}
