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
  const tables = await db.kysely.introspection.getTables();
  return tables
    .filter((t) => db.dialect === 'sqlite' || t.schema === db.schema)
    .map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) }))
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
