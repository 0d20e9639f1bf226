/**
 * The rule builder's editable tree and its translation to and from API.md's condition
 * language. The tree keeps raw text as typed (so a half-typed number stays as typed); `toRule`
 * turns it into JSON the server checks, `fromRule` reads a stored rule back for editing.
 *
 * @example toRule({ kind: 'group', op: 'all', children: [{ kind: 'category', id: 'news' }] })
 *   // → { all: [{ category: 'news' }] }
 */

export const OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'] as const;
export type Op = (typeof OPS)[number];
export const COUNT_OPS = ['gte', 'gt', 'eq', 'lte', 'lt'] as const;
export type CountOp = (typeof COUNT_OPS)[number];

export interface Condition {
  prop: string;
  op: Op;
  /** As typed: `42` is a number, `true`/`false` booleans, `in` takes a comma list. */
  value: string;
}

export type RuleNode =
  | { kind: 'group'; op: 'all' | 'any'; children: RuleNode[] }
  | { kind: 'not'; child: RuleNode }
  | {
      kind: 'event';
      name: string;
      where: Condition[];
      within: string;
      countOp: CountOp;
      count: string;
    }
  | { kind: 'trait'; where: Condition[] }
  | { kind: 'category'; id: string }
  | { kind: 'site'; id: string }
  | { kind: 'subscribed'; from: string; to: string }
  | { kind: 'inAudience'; id: string };

export type LeafKind = Exclude<RuleNode['kind'], 'group'>;

export function newNode(kind: RuleNode['kind']): RuleNode {
  switch (kind) {
    case 'group':
      return { kind, op: 'any', children: [newNode('event')] };
    case 'not':
      return { kind, child: newNode('event') };
    case 'event':
      return { kind, name: '', where: [], within: '', countOp: 'gte', count: '1' };
    case 'trait':
      return { kind, where: [{ prop: '', op: 'eq', value: '' }] };
    case 'subscribed':
      return { kind, from: '', to: '' };
    default:
      return { kind, id: '' };
  }
}

/** Typed text as a JSON value: numbers and booleans as such, anything else a string. */
export function typedValue(text: string): unknown {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return text;
}

function whereJson(conditions: Condition[]): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  for (const c of conditions) {
    if (!c.prop) continue;
    let value: unknown;
    if (c.op === 'exists') value = { exists: c.value.trim() !== 'false' };
    else if (c.op === 'in') value = { in: c.value.split(',').map((v) => typedValue(v.trim())) };
    else if (c.op === 'eq') value = typedValue(c.value);
    else value = { [c.op]: typedValue(c.value) };
    where[c.prop] = value;
  }
  return where;
}

/** `datetime-local` text (the browser's local time) as the UTC timestamp the API wants. */
export function localToUtc(text: string): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

export function utcToLocal(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function toRule(node: RuleNode): Record<string, unknown> {
  switch (node.kind) {
    case 'group':
      return { [node.op]: node.children.map(toRule) };
    case 'not':
      return { not: toRule(node.child) };
    case 'event': {
      const where = whereJson(node.where);
      const count = typedValue(node.count);
      return {
        event: {
          name: node.name,
          ...(Object.keys(where).length > 0 && { where }),
          ...(node.within.trim() && { within: node.within.trim() }),
          ...(!(node.countOp === 'gte' && count === 1) &&
            node.count.trim() && { count: { [node.countOp]: count } }),
        },
      };
    }
    case 'trait':
      return { trait: whereJson(node.where) };
    case 'category':
      return { category: node.id };
    case 'site':
      return { site: node.id };
    case 'subscribed':
      return {
        subscribedBetween: {
          ...(node.from && { from: localToUtc(node.from) }),
          ...(node.to && { to: localToUtc(node.to) }),
        },
      };
    case 'inAudience':
      return { inAudience: node.id };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function conditionsOf(where: unknown): Condition[] {
  if (!isObject(where)) return [];
  return Object.entries(where).map(([prop, v]) => {
    if (isObject(v)) {
      const [op, value] = Object.entries(v)[0] ?? ['eq', ''];
      const shown = Array.isArray(value) ? value.map(text).join(', ') : text(value);
      return {
        prop,
        op: (OPS as readonly string[]).includes(op) ? (op as Op) : 'eq',
        value: shown,
      };
    }
    return { prop, op: 'eq' as Op, value: text(v) };
  });
}

/**
 * A stored rule as a tree. The top is always a group, so the builder has one place to add
 * conditions; several keys in one object (an implicit AND) become an `all` group.
 */
export function fromRule(rule: unknown): RuleNode {
  const node = nodeOf(rule);
  return node.kind === 'group' ? node : { kind: 'group', op: 'all', children: [node] };
}

function nodeOf(rule: unknown): RuleNode {
  if (!isObject(rule)) return newNode('event');
  const keys = Object.keys(rule);
  if (keys.length > 1) {
    return { kind: 'group', op: 'all', children: keys.map((k) => nodeOf({ [k]: rule[k] })) };
  }
  const [key] = keys;
  const value = key === undefined ? undefined : rule[key];
  switch (key) {
    case 'all':
    case 'any':
      return { kind: 'group', op: key, children: Array.isArray(value) ? value.map(nodeOf) : [] };
    case 'not':
      return { kind: 'not', child: nodeOf(value) };
    case 'event': {
      const e = isObject(value) ? value : {};
      const [countOp, count] = isObject(e.count)
        ? (Object.entries(e.count)[0] ?? ['gte', 1])
        : ['gte', 1];
      return {
        kind: 'event',
        name: typeof e.name === 'string' ? e.name : '',
        where: conditionsOf(e.where),
        within: typeof e.within === 'string' ? e.within : '',
        countOp: (COUNT_OPS as readonly string[]).includes(countOp) ? (countOp as CountOp) : 'gte',
        count: String(count),
      };
    }
    case 'trait':
      return { kind: 'trait', where: conditionsOf(value) };
    case 'category':
    case 'site':
      return { kind: key, id: Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '') };
    case 'subscribedBetween': {
      const v = isObject(value) ? value : {};
      return {
        kind: 'subscribed',
        from: utcToLocal(v.from as string | undefined),
        to: utcToLocal(v.to as string | undefined),
      };
    }
    case 'inAudience':
      return { kind: 'inAudience', id: String(value ?? '') };
    default:
      return newNode('event');
  }
}
