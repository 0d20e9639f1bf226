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
      return sql<SqlBool>`EXISTS (SELECT 1 FROM subscriber_categories sc WHERE sc.subscriber_id = subscribers.id AND sc.category_id IN (${sql.join(rule.ids)}))`;
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
      return sql<SqlBool>`EXISTS (SELECT 1 FROM users u WHERE u.workspace_id = subscribers.workspace_id AND u.external_id = subscribers.external_id AND ${whereSql(rule.where, sql.ref('u.traits'), ctx.dialect)})`;
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
    sql<SqlBool>`e.workspace_id = subscribers.workspace_id`,
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
      return dialect === 'postgres' ? pgTest(where.test, column) : sqliteTest(where.test, column);
  }
}

type Column = RawBuilder<unknown> | ReturnType<typeof sql.ref>;

/** `$."key"`: a JSON path naming exactly one top-level key, whatever characters it has. */
const jsonPath = (property: string) => `$.${JSON.stringify(property)}`;

function sqliteTest(test: PropertyTest, column: Column): RawBuilder<SqlBool> {
  const path = jsonPath(test.property);
  const value = sql`json_extract(${column}, ${path})`;
  const type = sql`json_type(${column}, ${path})`;
  const eq = (v: unknown): RawBuilder<SqlBool> => {
    if (v === null) return sql<SqlBool>`(${type} IS NULL OR ${type} = 'null')`;
    if (typeof v === 'boolean') return sql<SqlBool>`COALESCE(${type} = ${v ? 'true' : 'false'}, 0)`;
    if (typeof v === 'number')
      return sql<SqlBool>`COALESCE(${type} IN ('integer', 'real') AND ${value} = ${v}, 0)`;
    return sql<SqlBool>`COALESCE(${type} = 'text' AND ${value} = ${String(v)}, 0)`;
  };
  switch (test.op) {
    case 'eq':
      return eq(test.value);
    case 'ne':
      return sql<SqlBool>`NOT ${eq(test.value)}`;
    case 'in':
      return join((test.value as unknown[]).map(eq), 'OR');
    case 'exists':
      return test.value
        ? sql<SqlBool>`COALESCE(${type} <> 'null', 0)`
        : sql<SqlBool>`(${type} IS NULL OR ${type} = 'null')`;
    case 'contains':
      return sql<SqlBool>`(CASE ${type} WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(${column}, ${path}) j WHERE j.value = ${test.value as string}) WHEN 'text' THEN instr(${value}, ${String(test.value)}) > 0 ELSE 0 END)`;
    default: {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[test.op];
      const types = typeof test.value === 'number' ? sql`('integer', 'real')` : sql`('text')`;
      return sql<SqlBool>`COALESCE(${type} IN ${types} AND ${value} ${sql.raw(op)} ${test.value as number}, 0)`;
    }
  }
}

function pgTest(test: PropertyTest, column: Column): RawBuilder<SqlBool> {
  const value = sql`((${column})::jsonb -> ${test.property}::text)`;
  const type = sql`jsonb_typeof(${value})`;
  const eq = (v: unknown): RawBuilder<SqlBool> =>
    v === null
      ? sql<SqlBool>`(${value} IS NULL OR ${type} = 'null')`
      : sql<SqlBool>`COALESCE(${value} = ${JSON.stringify(v)}::jsonb, false)`;
  switch (test.op) {
    case 'eq':
      return eq(test.value);
    case 'ne':
      return sql<SqlBool>`NOT ${eq(test.value)}`;
    case 'in':
      return join((test.value as unknown[]).map(eq), 'OR');
    case 'exists':
      return test.value
        ? sql<SqlBool>`COALESCE(${type} <> 'null', false)`
        : sql<SqlBool>`(${value} IS NULL OR ${type} = 'null')`;
    case 'contains':
      return sql<SqlBool>`(CASE ${type} WHEN 'array' THEN ${value} @> jsonb_build_array(${JSON.stringify(test.value)}::jsonb) WHEN 'string' THEN strpos(${value} #>> '{}', ${String(test.value)}) > 0 ELSE false END)`;
    default: {
      const op = sql.raw({ gt: '>', gte: '>=', lt: '<', lte: '<=' }[test.op]);
      // CASE, not AND: PostgreSQL does not promise to test the type before casting.
      return typeof test.value === 'number'
        ? sql<SqlBool>`(CASE WHEN ${type} = 'number' THEN (${value} #>> '{}')::numeric ${op} ${test.value} ELSE false END)`
        : sql<SqlBool>`(CASE WHEN ${type} = 'string' THEN (${value} #>> '{}') COLLATE "C" ${op} ${String(test.value)} ELSE false END)`;
    }
  }
}
