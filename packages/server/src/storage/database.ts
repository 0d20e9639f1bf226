import Sqlite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type DatabaseIntrospector,
} from 'kysely';
import pg from 'pg';
import { createApiKeyCache, type ApiKeys, type KeyOwner } from './api-key-cache.ts';
import { postgresKeyChanges, sqliteKeyChanges } from './api-key-changes.ts';
import { migrationProvider } from './migrations.ts';
import { namingStatements } from './pg-named-statements.ts';
import type { Database } from './schema.ts';
import { cachingStatements } from './statement-cache.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** PostgreSQL schema holding Beckon's tables (`public` unless the URL names one). */
  schema?: string;
  /**
   * The process's API-key cache and how it hears of revocations elsewhere (api-key-cache.ts).
   * A `Db` built without one looks every key up.
   */
  apiKeys?: ApiKeys;
  close(): Promise<void>;
}

/** OID 20 is int8/BIGINT: our timestamps and counters fit in a JS number, so read them as one. */
const PG_INT8 = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === PG_INT8
      ? Number
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Opens the database named by a `BECKON_DATABASE_URL`-style string and migrates it.
 *
 * - `undefined` → SQLite file `./beckon.db`
 * - `sqlite:/path/file.db` (or `sqlite::memory:`) → that SQLite file
 * - `postgres://...` → PostgreSQL; an extra `?schema=name` keeps Beckon's tables in that
 *   schema (created if missing), which is also how tests isolate themselves.
 *
 * @example const db = await openDatabase('sqlite:/tmp/beckon.db');
 */
export async function openDatabase(url: string | undefined): Promise<Db> {
  if (!url || !isPostgresUrl(url)) {
    const db = openSqlite(url);
    await migrate(db.kysely, db.schema);
    return db;
  }
  const { db, named } = await openPostgres(url);
  await migrate(db.kysely, db.schema);
  named.enable();
  return db;
}

/** The SQLite file a non-PostgreSQL database URL names (`:memory:` included). */
export const sqliteFile = (url: string | undefined) =>
  url ? url.replace(/^sqlite:(\/\/)?/, '') : './beckon.db';

export const isPostgresUrl = (url: string | undefined) => !!url?.startsWith('postgres');

function openSqlite(url: string | undefined): Db {
  const file = sqliteFile(url);
  const sqlite = new Sqlite(file);
  // WAL lets readers (API) and the writer (workers) overlap; NORMAL is durable across an
  // application crash, which is the failure we promise to survive (see PERF-NOTES.md).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingStatements(sqlite) }),
  });
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const cache = createApiKeyCache<KeyOwner>();
  const changes = sqliteKeyChanges(
    () => dataVersion.get() as number,
    () => cache.forget(),
  );
  return {
    kysely,
    dialect: 'sqlite',
    apiKeys: { cache, changes },
    close: () => kysely.destroy(),
  };
}

async function openPostgres(url: string): Promise<{ db: Db; named: { enable(): void } }> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema && !/^[a-z_][a-z0-9_]*$/i.test(schema)) {
    throw new Error(`Invalid schema name in database URL: ${schema}`);
  }
  if (schema) {
    const admin = new pg.Client({ connectionString: parsed.toString() });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    types: pgTypes,
    // JIT compiles each big query (~25 ms here) for plans that run in milliseconds: off.
    // Named statements (pg-named-statements.ts) save the parse, but a generic plan chosen
    // after five runs made the audience windows ~25 % slower (bench:audience): plan each run
    // with its own parameters, as unnamed statements always did.
    options: [
      '-c jit=off',
      '-c plan_cache_mode=force_custom_plan',
      ...(schema ? [`-c search_path="${schema}"`] : []),
    ].join(' '),
  });
  // Prepared once per connection after migrating (pg-named-statements.ts).
  const named = namingStatements(pool);
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const cache = createApiKeyCache<KeyOwner>();
  const changes = postgresKeyChanges({
    connect: () => new pg.Client({ connectionString: parsed.toString(), keepAlive: true }),
    schema: schema ?? 'public',
    onChange: () => cache.forget(),
  });
  return {
    db: {
      kysely,
      dialect: 'postgres',
      schema: schema ?? 'public',
      apiKeys: { cache, changes },
      async close() {
        await changes.close();
        await kysely.destroy();
      },
    },
    named,
  };
}

/**
 * Kysely's Migrator asks whether its tables exist by listing every table of every schema,
 * calling `has_schema_privilege(nspname, …)` on each: when another process drops a schema in
 * the middle of that query (tests running in parallel, each in its own schema), PostgreSQL
 * fails it with "schema … does not exist". The migrator only needs our schema's tables, so
 * it gets an introspector that looks at that schema alone. Everything else is Kysely's own.
 */
function withSchemaIntrospection(kysely: Kysely<Database>, schema: string): Kysely<Database> {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`
        SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ${schema}`.execute(
        kysely,
      );
      return rows;
    },
    async getTables() {
      const { rows } = await sql<{ name: string }>`
        SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = ${schema}`.execute(
        kysely,
      );
      return rows.map((r) => ({ name: r.name, schema, isView: false, columns: [] }));
    },
    getMetadata: () => kysely.introspection.getMetadata(),
  };
  return new Proxy(kysely, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, property);
      // Kysely's methods use private fields: they must run on the real instance.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Names of the migrations this code has that the database has not applied (for /readyz). */
export async function migrationsPending(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db:
      db.dialect === 'postgres' && db.schema
        ? withSchemaIntrospection(db.kysely, db.schema)
        : db.kysely,
    provider: migrationProvider,
    ...(db.schema && { migrationTableSchema: db.schema }),
  });
  const migrations = await migrator.getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

async function migrate(kysely: Kysely<Database>, schema: string | undefined): Promise<void> {
  // Naming the schema matters: without it Kysely looks for its migration table in every
  // schema of the database and may find another schema's.
  const migrator = new Migrator({
    db: schema ? withSchemaIntrospection(kysely, schema) : kysely,
    provider: migrationProvider,
    ...(schema && { migrationTableSchema: schema }),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
