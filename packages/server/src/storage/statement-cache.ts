import type Sqlite from 'better-sqlite3';

/** Distinct SQL texts kept prepared; a multi-row insert of N rows is its own text per N. */
const MAX_STATEMENTS = 1_000;

/**
 * better-sqlite3 behind Kysely, preparing each SQL text once. Kysely's SQLite driver calls
 * `prepare` for every query, and parsing and planning the statement again was most of a
 * single-event request's CPU (issue 14: ~2.3 ms a `/v1/track`). A statement is reused only
 * by the single connection that prepared it, and each run finishes before the next starts
 * (better-sqlite3 is synchronous), so sharing one is safe. Least recently used texts go
 * first once MAX_STATEMENTS are kept.
 *
 * @example new SqliteDialect({ database: cachingStatements(new Sqlite(file)) })
 */
export function cachingStatements(sqlite: Sqlite.Database) {
  const prepared = new Map<string, Sqlite.Statement>();
  return {
    prepare(sql: string): Sqlite.Statement {
      let statement = prepared.get(sql);
      if (statement) {
        // Move it to the end: the Map's order is the recency order.
        prepared.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (prepared.size >= MAX_STATEMENTS) prepared.delete(prepared.keys().next().value!);
      }
      prepared.set(sql, statement);
      return statement;
    },
    close(): void {
      prepared.clear();
      sqlite.close();
    },
  };
}
