/**
 * The small JSON condition language of API.md, shared by trigger `where` clauses (evaluated
 * here, in memory, on one event) and audience rules (compiled to SQL by storage/rule-sql.ts).
 *
 *   { "plan": "pro" }                          equality
 *   { "value": { "gt": 5 } }                   eq ne gt gte lt lte in contains exists
 *   { "all": [...] } { "any": [...] } { "not": {...} }
 */
/** A condition, rule or duration that cannot mean anything; the API answers 400 with its message. */
export class InvalidRuleError extends Error {}

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

/** Parses a `where` object, or throws an Error naming the bad part (callers turn it into 400). */
export function parseWhere(where: unknown, path = 'where'): ParsedWhere {
  if (!isPlainObject(where)) throw new InvalidRuleError(`${path} must be an object`);
  const parts: ParsedWhere[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (key === 'all' || key === 'any') {
      if (!Array.isArray(value)) throw new InvalidRuleError(`${path}.${key} must be an array`);
      parts.push({ kind: key, of: value.map((w, i) => parseWhere(w, `${path}.${key}.${i}`)) });
    } else if (key === 'not') {
      parts.push({ kind: 'not', of: parseWhere(value, `${path}.not`) });
    } else if (isPlainObject(value)) {
      const ops = Object.entries(value);
      if (ops.length === 0) throw new InvalidRuleError(`${path}.${key} names no operator`);
      for (const [op, operand] of ops) {
        if (!(OPERATORS as readonly string[]).includes(op)) {
          throw new InvalidRuleError(
            `${path}.${key}: unknown operator ${op} (use ${OPERATORS.join(', ')})`,
          );
        }
        if (op === 'in' && !Array.isArray(operand))
          throw new InvalidRuleError(`${path}.${key}.in must be an array`);
        if (op === 'exists' && typeof operand !== 'boolean') {
          throw new InvalidRuleError(`${path}.${key}.exists must be true or false`);
        }
        if (
          ['gt', 'gte', 'lt', 'lte'].includes(op) &&
          typeof operand !== 'number' &&
          typeof operand !== 'string'
        ) {
          throw new InvalidRuleError(`${path}.${key}.${op} must be a number or a string`);
        }
        parts.push({ kind: 'test', test: { property: key, op: op as Operator, value: operand } });
      }
    } else if (Array.isArray(value)) {
      parts.push({ kind: 'test', test: { property: key, op: 'in', value } });
    } else {
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
