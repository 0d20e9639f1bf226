import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Named statements a connection may create. Texts whose shape varies without bound (an
 * `IN (…)` list or a multi-row VALUES of N items is its own text per N) would otherwise
 * fill the backend's memory; past the cap a connection sends new texts unnamed, as before.
 */
const MAX_NAMED_PER_CONNECTION = 400;
/** Texts with more parameters than this are mostly those variable-length lists: unnamed. */
const MAX_NAMED_PARAMETERS = 100;
/** One DML statement; DDL and anything with a `;` (several statements) stays unnamed. */
const DML = /^\s*(?:select|insert|update|delete|with)\b/i;
/** PostgreSQL's answer when a table a prepared statement reads changed its columns. */
const STALE_PLAN = 'cached plan must not change result type';

type Query = pg.PoolClient['query'];

/**
 * Sends DML as named prepared statements, so PostgreSQL parses and analyses each SQL text
 * once per connection rather than for every query (Kysely's PostgresDialect sends every
 * query unnamed; node-postgres keeps the per-connection record of what it has parsed).
 * The name is a hash of the text, so each connection prepares the same text under the same
 * name. Plans follow PostgreSQL's `plan_cache_mode` (custom plans for the first five runs,
 * a generic one afterwards where it costs no more — what pgjdbc's server-side prepare does).
 *
 * Call the returned `enable()` once migrations ran: until then every query goes unnamed, so
 * a migration that changes a table never meets a plan prepared before it. If another process
 * migrates later, a statement reading a changed table fails once with "cached plan must not
 * change result type": that connection then names its texts afresh (a new generation), and a
 * query that failed outside a transaction is retried at once.
 *
 * @example
 * const named = namingStatements(pool);
 * await migrate(kysely);
 * named.enable();
 */
export function namingStatements(pool: pg.Pool): { enable(): void } {
  let enabled = false;
  pool.on('connect', (client) => {
    const query: Query = client.query.bind(client);
    let generation = 0;
    const named = new Set<string>();

    function nameOf(text: string, count: number): string | undefined {
      if (!enabled || count > MAX_NAMED_PARAMETERS || !DML.test(text) || text.includes(';')) {
        return undefined;
      }
      // 63 bytes is PostgreSQL's identifier limit; 24 base64url characters are 144 bits.
      const name = `bk${generation}_${createHash('sha1').update(text).digest('base64url').slice(0, 24)}`;
      if (named.has(name)) return name;
      if (named.size >= MAX_NAMED_PER_CONNECTION) return undefined;
      named.add(name);
      return name;
    }

    async function namedQuery(text: string, values: unknown[], retry = true) {
      const name = nameOf(text, values.length);
      if (!name) return query(text, values);
      try {
        return await query({ name, text, values });
      } catch (error) {
        if (!(error instanceof Error) || !error.message.includes(STALE_PLAN)) throw error;
        generation++;
        // Outside a transaction nothing ran: the same query again, under a fresh name.
        if (retry && client.getTransactionStatus() === 'I') return namedQuery(text, values, false);
        throw error;
      }
    }

    client.query = function (this: unknown, ...args: unknown[]) {
      const [text, values, callback] = args;
      if (typeof text === 'string' && Array.isArray(values) && callback === undefined) {
        return namedQuery(text, values);
      }
      return (query as (...a: unknown[]) => unknown)(...args);
    } as Query;
  });
  return {
    enable() {
      enabled = true;
    },
  };
}
