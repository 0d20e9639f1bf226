import { sql } from 'kysely';
import type { Db } from '../../packages/server/src/storage/database.ts';

export interface TableInfo {
  name: string;
  columns: string[];
}

/**
 * Every table Beckon has created in this database (this schema on PostgreSQL), read from the
 * catalogue rather than a list, so a table added later is covered by the tests that use it.
 */
export async function listTables(db: Db): Promise<TableInfo[]> {
  if (db.dialect === 'postgres') return postgresTables(db);
  const tables = await db.kysely.introspection.getTables();
  return tables
    .map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * This schema's tables from the catalogue. Not Kysely's introspector: it reads every schema
 * with privilege checks per schema, and fails with "schema … does not exist" when another
 * test file drops its schema meanwhile (seen in CI: test/erase.test.ts). Kysely's own
 * migration tables are left out, as its introspector does.
 */
async function postgresTables(db: Db): Promise<TableInfo[]> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    SELECT c.relname AS table_name, a.attname AS column_name
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
    WHERE n.nspname = ${db.schema ?? 'public'} AND c.relkind IN ('r', 'p', 'v')
      AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relname NOT IN ('kysely_migration', 'kysely_migration_lock')
    ORDER BY c.relname, a.attnum`.execute(db.kysely);
  const tables = new Map<string, string[]>();
  for (const row of rows) {
    const columns = tables.get(row.table_name) ?? [];
    columns.push(row.column_name);
    tables.set(row.table_name, columns);
  }
  return [...tables]
    .map(([name, columns]) => ({ name, columns }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** All rows of a table (optionally only one workspace's), each as its JSON text, sorted. */
export async function tableRows(
  db: Db,
  table: TableInfo,
  workspace?: { id: string; not?: boolean },
): Promise<string[]> {
  // The workspaces table is its own scope: its `id` is the workspace id.
  const column = table.name === 'workspaces' ? 'id' : 'workspace_id';
  const scoped = workspace && table.columns.includes(column);
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table.name)} ${
    scoped
      ? sql`WHERE ${sql.ref(column)} ${workspace.not ? sql`<>` : sql`=`} ${workspace.id}`
      : sql``
  }`.execute(db.kysely);
  return rows
    .map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
    .sort();
}
