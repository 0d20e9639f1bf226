import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { ParsedRule } from '../domain/audience-rule.ts';
import type { ParsedWhere, PropertyTest } from '../domain/conditions.ts';
import type { DialectName } from './database.ts';

/**
 * Compiles audience rules and `where` conditions to SQL predicates over the outer
 * `subscribers` row, for SQLite (json_extract / json_type) and PostgreSQL (jsonb), so
 * targeting is resolved in the database instead of in memory.
 */
export interface RuleContext {
  dialect: DialectName;
  /**
   * The workspace every outer row belongs to (callers filter `subscribers` by it), written
   * into event and trait lookups as a constant. Why: correlated as
   * `e.workspace_id = subscribers.workspace_id`, PostgreSQL hashes the pair and reads the
   * matching events of every workspace, with no index on `name`/`occurred_at` alone.
   */
  workspaceId: string;
  now: number;
  /** Membership predicate of another audience (for `inAudience`), already cycle-checked. */
  audience(id: string): RawBuilder<SqlBool>;
}

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

function join(parts: RawBuilder<SqlBool>[], op: 'AND' | 'OR'): RawBuilder<SqlBool> {
  if (parts.length === 0) return op === 'AND' ? TRUE : FALSE;
  return sql<SqlBool>`(${sql.join(parts, sql.raw(` ${op} `))})`;
}

/** The outer `subscribers` row ticked at least one of these categories. */
export function inCategories(ids: readonly string[]): RawBuilder<SqlBool> {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM subscriber_categories sc WHERE sc.subscriber_id = subscribers.id AND sc.category_id IN (${sql.join(ids)}))`;
}

export function ruleSql(rule: ParsedRule, ctx: RuleContext): RawBuilder<SqlBool> {
  switch (rule.kind) {
    case 'all':
      return join(
        rule.of.map((r) => ruleSql(r, ctx)),
        'AND',
      );
    case 'any':
      return join(
        rule.of.map((r) => ruleSql(r, ctx)),
        'OR',
      );
    case 'not':
      return sql<SqlBool>`NOT ${ruleSql(rule.of, ctx)}`;
    case 'category':
      return inCategories(rule.ids);
    case 'site':
      return sql<SqlBool>`subscribers.site_id IN (${sql.join(rule.ids)})`;
    case 'subscribedBetween':
      return join(
        [
          ...(rule.from !== undefined
            ? [sql<SqlBool>`subscribers.created_at >= ${rule.from}`]
            : []),
          ...(rule.to !== undefined ? [sql<SqlBool>`subscribers.created_at < ${rule.to}`] : []),
        ],
        'AND',
      );
    case 'inAudience':
      return ctx.audience(rule.id);
    case 'trait':
      return sql<SqlBool>`EXISTS (SELECT 1 FROM users u WHERE u.workspace_id = ${ctx.workspaceId} AND u.external_id = subscribers.external_id AND ${whereSql(rule.where, sql.ref('u.traits'), ctx.dialect)})`;
    case 'event':
      return eventSql(rule, ctx);
  }
}

/** Events count for the subscriber's user, or for the subscriber itself before it has one. */
function eventSql(
  rule: Extract<ParsedRule, { kind: 'event' }>,
  ctx: RuleContext,
): RawBuilder<SqlBool> {
  const filters = [
    sql<SqlBool>`e.workspace_id = ${ctx.workspaceId}`,
    sql<SqlBool>`e.name = ${rule.name}`,
    ...(rule.withinMs !== undefined
      ? [sql<SqlBool>`e.occurred_at >= ${ctx.now - rule.withinMs}`]
      : []),
    ...(rule.where ? [whereSql(rule.where, sql.ref('e.properties'), ctx.dialect)] : []),
  ];
  const owned = sql<SqlBool>`(e.external_id = subscribers.external_id OR e.subscriber_id = subscribers.id)`;
  const onlyAtLeastOne =
    rule.count.length === 1 && rule.count[0]?.op === 'gte' && rule.count[0].n === 1;
  if (onlyAtLeastOne) {
    // Two EXISTS instead of one OR so each can use its own index.
    const base = join(filters, 'AND');
    return sql<SqlBool>`(EXISTS (SELECT 1 FROM events e WHERE ${base} AND e.external_id = subscribers.external_id) OR EXISTS (SELECT 1 FROM events e WHERE ${base} AND e.subscriber_id = subscribers.id))`;
  }
  const count = sql`(SELECT count(*) FROM events e WHERE ${join([...filters, owned], 'AND')})`;
  const ops = { gte: '>=', gt: '>', lte: '<=', lt: '<', eq: '=' } as const;
  return join(
    rule.count.map(({ op, n }) => sql<SqlBool>`${count} ${sql.raw(ops[op])} ${n}`),
    'AND',
  );
}

/** A `where` over a JSON text column. */
export function whereSql(
  where: ParsedWhere,
  column: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
  dialect: DialectName,
): RawBuilder<SqlBool> {
  switch (where.kind) {
    case 'all':
      return join(
        where.of.map((w) => whereSql(w, column, dialect)),
        'AND',
      );
    case 'any':
      return join(
        where.of.map((w) => whereSql(w, column, dialect)),
        'OR',
      );
    case 'not':
      return sql<SqlBool>`NOT COALESCE(${whereSql(where.of, column, dialect)}, ${FALSE})`;
    case 'test':
      return propertyTest(
        where.test,
        (dialect === 'postgres' ? pgJson : sqliteJson)(where.test.property, column),
      );
  }
}

type Column = RawBuilder<unknown> | ReturnType<typeof sql.ref>;

/** `$."key"`: a JSON path naming exactly one top-level key, whatever characters it has. */
const jsonPath = (property: string) => `$.${JSON.stringify(property)}`;

/** What each dialect says about one JSON property; the operators are built from these. */
interface JsonProperty {
  eq(value: unknown): RawBuilder<SqlBool>;
  /** Present and not JSON null. */
  exists: RawBuilder<SqlBool>;
  contains(value: unknown): RawBuilder<SqlBool>;
  compare(op: '>' | '>=' | '<' | '<=', value: number | string): RawBuilder<SqlBool>;
}

const COMPARE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function propertyTest(test: PropertyTest, property: JsonProperty): RawBuilder<SqlBool> {
  switch (test.op) {
    case 'eq':
      return property.eq(test.value);
    case 'ne':
      return sql<SqlBool>`NOT ${property.eq(test.value)}`;
    case 'in':
      return join((test.value as unknown[]).map(property.eq), 'OR');
    case 'exists':
      return test.value ? property.exists : sql<SqlBool>`NOT ${property.exists}`;
    case 'contains':
      return property.contains(test.value);
    default:
      return property.compare(COMPARE[test.op], test.value as number | string);
  }
}

function sqliteJson(name: string, column: Column): JsonProperty {
  const path = jsonPath(name);
  const value = sql`json_extract(${column}, ${path})`;
  const type = sql`json_type(${column}, ${path})`;
  return {
    eq(v) {
      if (v === null) return sql<SqlBool>`(${type} IS NULL OR ${type} = 'null')`;
      if (typeof v === 'boolean') {
        return sql<SqlBool>`COALESCE(${type} = ${v ? 'true' : 'false'}, 0)`;
      }
      if (typeof v === 'number') {
        return sql<SqlBool>`COALESCE(${type} IN ('integer', 'real') AND ${value} = ${v}, 0)`;
      }
      return sql<SqlBool>`COALESCE(${type} = 'text' AND ${value} = ${String(v)}, 0)`;
    },
    exists: sql<SqlBool>`COALESCE(${type} <> 'null', 0)`,
    contains: (v) =>
      sql<SqlBool>`(CASE ${type} WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(${column}, ${path}) j WHERE j.value = ${v as string}) WHEN 'text' THEN instr(${value}, ${String(v)}) > 0 ELSE 0 END)`,
    compare(op, v) {
      const types = typeof v === 'number' ? sql`('integer', 'real')` : sql`('text')`;
      return sql<SqlBool>`COALESCE(${type} IN ${types} AND ${value} ${sql.raw(op)} ${v}, 0)`;
    },
  };
}

function pgJson(name: string, column: Column): JsonProperty {
  const value = sql`((${column})::jsonb -> ${name}::text)`;
  const type = sql`jsonb_typeof(${value})`;
  return {
    eq: (v) =>
      v === null
        ? sql<SqlBool>`(${value} IS NULL OR ${type} = 'null')`
        : sql<SqlBool>`COALESCE(${value} = ${JSON.stringify(v)}::jsonb, false)`,
    exists: sql<SqlBool>`COALESCE(${type} <> 'null', false)`,
    contains: (v) =>
      sql<SqlBool>`(CASE ${type} WHEN 'array' THEN ${value} @> jsonb_build_array(${JSON.stringify(v)}::jsonb) WHEN 'string' THEN strpos(${value} #>> '{}', ${String(v)}) > 0 ELSE false END)`,
    // CASE, not AND: PostgreSQL does not promise to test the type before casting.
    compare: (op, v) =>
      typeof v === 'number'
        ? sql<SqlBool>`(CASE WHEN ${type} = 'number' THEN (${value} #>> '{}')::numeric ${sql.raw(op)} ${v} ELSE false END)`
        : sql<SqlBool>`(CASE WHEN ${type} = 'string' THEN (${value} #>> '{}') COLLATE "C" ${sql.raw(op)} ${String(v)} ELSE false END)`,
  };
}
