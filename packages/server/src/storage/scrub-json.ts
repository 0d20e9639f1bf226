import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** What an erased id becomes where the row itself stays (a notification's target, a job). */
export const ERASED = '[erased]';

/**
 * A copy of a JSON value with every string equal to one of `names` replaced by ERASED.
 * Values under `type` and `kind` stay: they are vocabulary (`{type: "user", id}`), and a
 * user whose external id happens to be "user" must not break the job that names it.
 *
 * @example scrub({ externalIds: ['u1', 'u2'] }, new Set(['u1'])) // { externalIds: ['[erased]', 'u2'] }
 */
export function scrub(value: unknown, names: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return names.has(value) ? ERASED : value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, names));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'type' || k === 'kind' ? v : scrub(v, names),
      ]),
    );
  }
  return value;
}

/** `%"id"%` with LIKE's wildcards escaped (`\` is the escape character on both dialects). */
function containsJsonString(name: string): string {
  return `%${JSON.stringify(name).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Rewrites one JSON TEXT column in the workspace's rows that mention any of `names`, keeping
 * the rows. Only rows whose text contains a name as a JSON string are read, so this stays
 * cheap on big tables. Returns how many rows changed.
 */
export async function scrubJsonColumn<
  T extends 'notifications' | 'jobs' | 'job_chunks' | 'idempotency_keys',
>(
  trx: Kysely<Database>,
  where: {
    table: T;
    column: string;
    key: readonly string[];
    workspaceId: string;
    /** A column to empty in every row that named the user (a trigger's event properties). */
    clear?: string;
  },
  names: readonly string[],
): Promise<number> {
  if (names.length === 0) return 0;
  const column = sql.ref(where.column);
  const mentions = sql.join(
    names.map((n) => sql`${column} LIKE ${containsJsonString(n)} ESCAPE '\\'`),
    sql` OR `,
  );
  const { rows } = await sql<Record<string, string>>`
    SELECT ${sql.join(where.key.map((k) => sql.ref(k)))}, ${column} AS scrub_value
    FROM ${sql.table(where.table)}
    WHERE workspace_id = ${where.workspaceId} AND (${mentions})`.execute(trx);
  const set = new Set(names);
  let changed = 0;
  for (const row of rows) {
    const text = row.scrub_value;
    if (text == null) continue;
    const next = JSON.stringify(scrub(JSON.parse(text), set));
    if (next === text) continue;
    const keyMatch = sql.join(
      where.key.map((k) => sql`${sql.ref(k)} = ${row[k]}`),
      sql` AND `,
    );
    const clear = where.clear ? sql`, ${sql.ref(where.clear)} = NULL` : sql``;
    await sql`UPDATE ${sql.table(where.table)} SET ${column} = ${next}${clear}
      WHERE ${keyMatch}`.execute(trx);
    changed++;
  }
  return changed;
}
