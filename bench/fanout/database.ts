/**
 * Where the bench's server keeps its data: a fresh SQLite file, or — when
 * `BECKON_DATABASE_URL` is a `postgres://` URL — a PostgreSQL schema of its own (the URL's
 * `?schema=`, or a new `bench_…` one), dropped afterwards either way.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchDatabase {
  url: string;
  label: 'SQLite' | 'PostgreSQL';
  drop(): Promise<void>;
}

export function benchDatabase(fromEnv: string | undefined): BenchDatabase {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (!fromEnv?.startsWith('postgres')) {
    const file = join(tmpdir(), `beckon-bench-${suffix}.db`);
    return {
      url: `sqlite:${file}`,
      label: 'SQLite',
      async drop() {
        for (const end of ['', '-wal', '-shm', '.key']) rmSync(file + end, { force: true });
      },
    };
  }
  const parsed = new URL(fromEnv);
  const schema = parsed.searchParams.get('schema') ?? `bench_${suffix}`;
  if (!/^[a-z_][a-z0-9_]*$/i.test(schema)) throw new Error(`bad schema name ${schema}`);
  parsed.searchParams.set('schema', schema);
  const url = parsed.toString();
  parsed.searchParams.delete('schema');
  const adminUrl = parsed.toString();
  return {
    url,
    label: 'PostgreSQL',
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
