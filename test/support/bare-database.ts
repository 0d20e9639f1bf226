import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

/**
 * A test database (a `testDatabase` url) with no migrations applied, where `openDatabase`
 * would apply them all: for migration tests that migrate step by step.
 */
export async function openBare(url: string): Promise<{ db: Kysely<any>; schema?: string }> {
  if (url.startsWith('sqlite:')) {
    return {
      db: new Kysely({ dialect: new SqliteDialect({ database: new Sqlite(url.slice(7)) }) }),
    };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema')!;
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 2,
    options: `-c search_path="${schema}"`,
  });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  return { db: new Kysely({ dialect: new PostgresDialect({ pool }) }), schema };
}
