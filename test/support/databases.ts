import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Every storage behaviour is proven on both (the Kysely test-suite pattern). */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

const PG_URL = process.env.BECKON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * PostgreSQL needs `BECKON_SECRET_KEY` (secrets at rest); every test process uses this one.
 * SQLite tests leave it unset, so the key file beside the database is exercised too.
 */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** `env` plus the secret key when it points at PostgreSQL and names none. */
export function withSecretKey(env: Record<string, string | undefined>): Record<string, string> {
  const url = env.BECKON_DATABASE_URL ?? '';
  const needsKey = url.startsWith('postgres') && !env.BECKON_SECRET_KEY;
  return {
    ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >),
    ...(needsKey && { BECKON_SECRET_KEY: TEST_SECRET_KEY }),
  };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a temp SQLite file, or a PostgreSQL schema of
 * its own (so test files can run in parallel against one server).
 */
export function testDatabase(dialect: Dialect): TestDatabase {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (dialect === 'sqlite') {
    const file = join(tmpdir(), `beckon-${name}.db`);
    return {
      url: `sqlite:${file}`,
      async drop() {
        for (const suffix of ['', '-wal', '-shm', '.key']) rmSync(file + suffix, { force: true });
      },
    };
  }
  return {
    url: `${PG_URL}?schema=${name}`,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
