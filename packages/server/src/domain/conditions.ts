/**
 * The small JSON condition language of API.md, shared by trigger `where` clauses (evaluated
 * here, in memory, on one event) and audience rules (compiled to SQL by storage/rule-sql.ts).
 *
 *   { "plan": "pro" }                          equality
 *   { "value": { "gt": 5 } }                   eq ne gt gte lt lte in contains exists
 *   { "all": [...] } { "any": [...] } { "not": {...} }
 */
/**
 * A condition, rule or duration that cannot mean anything (or that SQL could not run); the
 * API answers 400 with `errors: [{ path, message: reason }]`.
 *
 * @example new InvalidRuleError('must be a string or a number', 'rule.event.where.plan.contains')
 */
export class InvalidRuleError extends Error {
  constructor(
    readonly reason: string,
    readonly path = '',
  ) {
    super(path ? `${path} ${reason}` : reason);
  }
}

/** Values in one `in` list: each becomes a comparison in SQL. */
export const MAX_IN_VALUES = 1_000;

export type Scalar = string | number | boolean | null;

export const OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type OperatorTest = Partial<Record<Operator, unknown>>;

export type Where =
  | { all: Where[] }
  | { any: Where[] }
  | { not: Where }
  | Record<string, Scalar | Scalar[] | OperatorTest>;

/** One property test after parsing: the property, the operator and its operand. */
export interface PropertyTest {
  property: string;
  op: Operator;
  value: unknown;
}

export type ParsedWhere =
  | { kind: 'all'; of: ParsedWhere[] }
  | { kind: 'any'; of: ParsedWhere[] }
  | { kind: 'not'; of: ParsedWhere }
  | { kind: 'test'; test: PropertyTest };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isScalar = (v: unknown): v is Scalar =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

/**
 * The operand each operator can be run with, in memory and in SQL on both dialects; a
 * wrong one is refused when the rule is saved rather than failing where it is used.
 */
function checkOperand(op: Operator, operand: unknown, path: string): void {
  switch (op) {
    case 'eq':
    case 'ne':
      if (!isScalar(operand))
        throw new InvalidRuleError('must be a string, a number, true, false or null', path);
      return;
    case 'in':
      checkList(operand, path);
      return;
    case 'contains':
      if (typeof operand !== 'string' && !(typeof operand === 'number' && Number.isFinite(operand)))
        throw new InvalidRuleError('must be a string or a number', path);
      return;
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidRuleError('must be true or false', path);
      return;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof operand !== 'string' && !(typeof operand === 'number' && Number.isFinite(operand)))
        throw new InvalidRuleError('must be a number or a string (such as a date)', path);
  }
}

function checkList(list: unknown, path: string): void {
  if (!Array.isArray(list)) throw new InvalidRuleError('must be an array', path);
  if (list.length > MAX_IN_VALUES)
    throw new InvalidRuleError(`must have at most ${MAX_IN_VALUES} values`, path);
  const bad = list.findIndex((v) => !isScalar(v));
  if (bad >= 0)
    throw new InvalidRuleError('must be a string, a number, true, false or null', `${path}.${bad}`);
}

/**
 * Parses a `where` object, or throws an InvalidRuleError naming the exact bad part
 * (`where.plan.contains`), which callers turn into a 400.
 */
export function parseWhere(where: unknown, path = 'where'): ParsedWhere {
  if (!isPlainObject(where)) throw new InvalidRuleError('must be an object', path);
  const parts: ParsedWhere[] = [];
  for (const [key, value] of Object.entries(where)) {
    const at = `${path}.${key}`;
    if (key === 'all' || key === 'any') {
      if (!Array.isArray(value)) throw new InvalidRuleError('must be an array', at);
      parts.push({ kind: key, of: value.map((w, i) => parseWhere(w, `${at}.${i}`)) });
    } else if (key === 'not') {
      parts.push({ kind: 'not', of: parseWhere(value, at) });
    } else if (isPlainObject(value)) {
      const ops = Object.entries(value);
      if (ops.length === 0) throw new InvalidRuleError('names no operator', at);
      for (const [op, operand] of ops) {
        if (!(OPERATORS as readonly string[]).includes(op)) {
          throw new InvalidRuleError(
            `is an unknown operator ${op} (use ${OPERATORS.join(', ')})`,
            `${at}.${op}`,
          );
        }
        checkOperand(op as Operator, operand, `${at}.${op}`);
        parts.push({ kind: 'test', test: { property: key, op: op as Operator, value: operand } });
      }
    } else if (Array.isArray(value)) {
      checkList(value, at);
      parts.push({ kind: 'test', test: { property: key, op: 'in', value } });
    } else {
      if (!isScalar(value)) throw new InvalidRuleError('must be a finite number', at);
      parts.push({ kind: 'test', test: { property: key, op: 'eq', value } });
    }
  }
  return parts.length === 1 ? (parts[0] as ParsedWhere) : { kind: 'all', of: parts };
}

/** Evaluates a parsed `where` against an event's properties. */
export function matches(where: ParsedWhere, properties: Record<string, unknown>): boolean {
  switch (where.kind) {
    case 'all':
      return where.of.every((w) => matches(w, properties));
    case 'any':
      return where.of.some((w) => matches(w, properties));
    case 'not':
      return !matches(where.of, properties);
    case 'test':
      return testValue(where.test, properties[where.test.property]);
  }
}

function testValue({ op, value }: PropertyTest, actual: unknown): boolean {
  switch (op) {
    case 'exists':
      return (actual !== undefined && actual !== null) === value;
    case 'eq':
      return equal(actual, value);
    case 'ne':
      return !equal(actual, value);
    case 'in':
      return (value as unknown[]).some((v) => equal(actual, v));
    case 'contains':
      if (Array.isArray(actual)) return actual.some((v) => equal(v, value));
      return typeof actual === 'string' && typeof value === 'string' && actual.includes(value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (
        typeof actual !== typeof value ||
        (typeof actual !== 'number' && typeof actual !== 'string')
      )
        return false;
      const a = actual as number | string;
      const b = value as number | string;
      return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
    }
  }
}

function equal(a: unknown, b: unknown): boolean {
  return a === b || (a === undefined && b === null);
}
