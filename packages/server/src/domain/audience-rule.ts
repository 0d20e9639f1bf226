import { InvalidRuleError, parseWhere, type ParsedWhere } from './conditions.ts';
import { parseDuration } from './duration.ts';

/**
 * Audience rules (API.md "Conditions"): the `where` language plus subscriber-level tests.
 * Several keys in one object combine with AND.
 *
 *   { "event": { "name": "Order Completed", "where": {...}, "within": "P30D", "count": { "gte": 2 } } }
 *   { "trait": { "plan": "pro" } }   { "category": "deals" }   { "site": "site_…" }
 *   { "subscribedBetween": { "from": "…Z", "to": "…Z" } }   { "inAudience": "aud_…" }
 *   { "all": [...] }  { "any": [...] }  { "not": {...} }
 */
export type CountOp = 'gte' | 'gt' | 'lte' | 'lt' | 'eq';

export type ParsedRule =
  | { kind: 'all' | 'any'; of: ParsedRule[] }
  | { kind: 'not'; of: ParsedRule }
  | {
      kind: 'event';
      name: string;
      where?: ParsedWhere;
      withinMs?: number;
      count: Array<{ op: CountOp; n: number }>;
    }
  | { kind: 'trait'; where: ParsedWhere }
  | { kind: 'category'; ids: string[] }
  | { kind: 'site'; ids: string[] }
  | { kind: 'subscribedBetween'; from?: number; to?: number }
  /** `path`: where the rule names it, so a missing audience is reported there. */
  | { kind: 'inAudience'; id: string; path?: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|\+00:00)$/;

function stringList(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new InvalidRuleError('must be an id or a non-empty list of ids', path);
  }
  return list as string[];
}

function timestamp(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !UTC.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidRuleError('must be an ISO-8601 UTC timestamp', path);
  }
  return Date.parse(value);
}

/** Parses a rule or throws an Error naming the bad part (the API answers 400 with it). */
export function parseRule(rule: unknown, path = 'rule'): ParsedRule {
  if (!isObject(rule)) throw new InvalidRuleError('must be an object', path);
  const parts: ParsedRule[] = [];
  for (const [key, value] of Object.entries(rule)) {
    const at = `${path}.${key}`;
    switch (key) {
      case 'all':
      case 'any':
        if (!Array.isArray(value) || value.length === 0)
          throw new InvalidRuleError('must be a non-empty array', at);
        parts.push({ kind: key, of: value.map((r, i) => parseRule(r, `${at}.${i}`)) });
        break;
      case 'not':
        parts.push({ kind: 'not', of: parseRule(value, at) });
        break;
      case 'event':
        parts.push(parseEvent(value, at));
        break;
      case 'trait':
        parts.push({ kind: 'trait', where: parseWhere(value, at) });
        break;
      case 'category':
      case 'site':
        parts.push({ kind: key, ids: stringList(value, at) });
        break;
      case 'subscribedBetween':
        if (!isObject(value))
          throw new InvalidRuleError('must be an object with from and/or to', at);
        parts.push({
          kind: 'subscribedBetween',
          from: timestamp(value.from, `${at}.from`),
          to: timestamp(value.to, `${at}.to`),
        });
        break;
      case 'inAudience':
        if (typeof value !== 'string' || value.length === 0)
          throw new InvalidRuleError('must be one audience id (combine several with any/all)', at);
        parts.push({ kind: 'inAudience', id: value, path: at });
        break;
      default:
        throw new InvalidRuleError(
          'is not a rule (use event, trait, category, site, subscribedBetween, inAudience, all, any, not)',
          at,
        );
    }
  }
  if (parts.length === 0) throw new InvalidRuleError('is empty', path);
  return parts.length === 1 ? (parts[0] as ParsedRule) : { kind: 'all', of: parts };
}

function parseEvent(value: unknown, at: string): ParsedRule {
  if (!isObject(value) || typeof value.name !== 'string' || value.name.length === 0) {
    throw new InvalidRuleError('is required', `${at}.name`);
  }
  let withinMs: number | undefined;
  if (value.within !== undefined) {
    if (typeof value.within !== 'string')
      throw new InvalidRuleError('must be a duration such as P30D', `${at}.within`);
    try {
      withinMs = parseDuration(value.within);
    } catch (error) {
      throw new InvalidRuleError((error as Error).message, `${at}.within`);
    }
  }
  const count: Array<{ op: CountOp; n: number }> = [];
  if (value.count !== undefined) {
    if (!isObject(value.count))
      throw new InvalidRuleError('must be an object such as { "gte": 2 }', `${at}.count`);
    for (const [op, n] of Object.entries(value.count)) {
      if (
        !['gte', 'gt', 'lte', 'lt', 'eq'].includes(op) ||
        typeof n !== 'number' ||
        !Number.isInteger(n) ||
        n < 0
      ) {
        throw new InvalidRuleError(
          'must be one of gte gt lte lt eq with a whole number',
          `${at}.count.${op}`,
        );
      }
      count.push({ op: op as CountOp, n });
    }
  }
  if (count.length === 0) count.push({ op: 'gte', n: 1 });
  return {
    kind: 'event',
    name: value.name,
    ...(value.where !== undefined && { where: parseWhere(value.where, `${at}.where`) }),
    ...(withinMs !== undefined && { withinMs }),
    count,
  };
}

/** The audiences a rule refers to, for loading them and for refusing cycles. */
export function referencedAudiences(rule: ParsedRule): string[] {
  switch (rule.kind) {
    case 'all':
    case 'any':
      return rule.of.flatMap(referencedAudiences);
    case 'not':
      return referencedAudiences(rule.of);
    case 'inAudience':
      return [rule.id];
    default:
      return [];
  }
}

/** Every `inAudience` of a rule with where it appears (for 400s naming the exact path). */
export function audienceReferences(rule: ParsedRule): Array<{ id: string; path: string }> {
  switch (rule.kind) {
    case 'all':
    case 'any':
      return rule.of.flatMap(audienceReferences);
    case 'not':
      return audienceReferences(rule.of);
    case 'inAudience':
      return [{ id: rule.id, path: rule.path ?? 'rule.inAudience' }];
    default:
      return [];
  }
}
