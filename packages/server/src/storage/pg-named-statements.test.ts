import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from './database.ts';
import type { Database } from './schema.ts';

/** The statements this session (connection) has prepared, by text. */
async function prepared(conn: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{
    statement: string;
  }>`SELECT statement FROM pg_prepared_statements`.execute(conn);
  return rows.map((r) => r.statement);
}

describe('named statements on postgres', () => {
  const database = testDatabase('postgres');
  let db: Db;

  beforeAll(async () => {
    db = await openDatabase(database.url);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('prepares a DML text once per connection and runs it again by name', async () => {
    await db.kysely.connection().execute(async (conn) => {
      for (const id of ['a', 'b', 'c']) {
        const rows = await conn
          .selectFrom('workspaces')
          .select('id')
          .where('id', '=', `ws_${id}`)
          .execute();
        expect(rows).toEqual([]);
      }
      const texts = await prepared(conn);
      expect(texts.filter((t) => t.includes('from "workspaces"'))).toHaveLength(1);
    });
  });

  it('leaves DDL, several statements in one text and very long parameter lists unnamed', async () => {
    await db.kysely.connection().execute(async (conn) => {
      await sql`CREATE TABLE named_ddl (id int primary key, v text)`.execute(conn);
      await sql`INSERT INTO named_ddl VALUES (1, 'x'); INSERT INTO named_ddl VALUES (2, 'y')`.execute(
        conn,
      );
      const many = Array.from({ length: 150 }, (_, i) => i + 10);
      await sql`INSERT INTO named_ddl (id) VALUES ${sql.join(many.map((id) => sql`(${id})`))}`.execute(
        conn,
      );
      const texts = await prepared(conn);
      expect(texts.some((t) => t.includes('named_ddl'))).toBe(false);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM named_ddl`.execute(
        conn,
      );
      expect(rows[0]!.n).toBe(152);
    });
  });

  it('recovers when another process changes the columns of a table a statement reads', async () => {
    await sql`CREATE TABLE named_changing (id int primary key)`.execute(db.kysely);
    await sql`INSERT INTO named_changing VALUES (1)`.execute(db.kysely);
    const read = (k: Kysely<Database>) =>
      sql<Record<string, unknown>>`SELECT * FROM named_changing WHERE id = ${1}`.execute(k);
    await db.kysely.connection().execute(async (conn) => {
      await read(conn);
      await sql`ALTER TABLE named_changing ADD COLUMN note text DEFAULT 'n'`.execute(db.kysely);
      // Outside a transaction the query is simply run again under a new name.
      expect((await read(conn)).rows).toEqual([{ id: 1, note: 'n' }]);

      await sql`ALTER TABLE named_changing ADD COLUMN more int DEFAULT 2`.execute(db.kysely);
      // Inside one the transaction has failed: the caller's retry works.
      await expect(conn.transaction().execute((trx) => read(trx))).rejects.toThrow(
        'cached plan must not change result type',
      );
      const again = await conn.transaction().execute((trx) => read(trx));
      expect(again.rows).toEqual([{ id: 1, note: 'n', more: 2 }]);
    });
  });

  it('stops naming new texts once a connection holds 400, and still answers them', async () => {
    // A pool of its own: the connection it fills names nothing new for the other tests.
    const own = await openDatabase(database.url);
    await own.kysely.connection().execute(async (conn) => {
      for (let i = 0; i < 450; i++) {
        const { rows } = await sql<{
          n: number;
        }>`SELECT ${i}::int + ${sql.raw(String(i))} AS n`.execute(conn);
        expect(rows[0]!.n).toBe(2 * i);
      }
      expect((await prepared(conn)).length).toBeLessThanOrEqual(400);
    });
    await own.close();
  });
});
