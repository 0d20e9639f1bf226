import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { KeyChanges } from './api-key-cache.ts';
import type { Database } from './schema.ts';

/** Every Beckon process on a PostgreSQL database listens here; the payload is the schema. */
const CHANNEL = 'beckon_api_keys';
/** Waits before reconnecting a lost listener: doubling from the first to the last. */
const RECONNECT_MS = [100, 5_000] as const;
/** How long a revocation waits to hear its own notification back (it comes in ~1 ms). */
const ECHO_WAIT_MS = 1_000;

/**
 * SQLite: several processes may share the file. `PRAGMA data_version` changes when another
 * connection has committed since this one last asked (not for this connection's own
 * commits: those revoke through the same process and clear the cache directly), so it is
 * read before every cached answer; any foreign commit clears the cache. Reading it costs a
 * look at the WAL index, no query plan.
 *
 * @example sqliteKeyChanges(() => dataVersion.get() as number, () => cache.forget())
 */
export function sqliteKeyChanges(dataVersion: () => number, onChange: () => void): KeyChanges {
  let seen: number | undefined;
  return {
    watching() {
      const now = dataVersion();
      if (now !== seen) {
        seen = now;
        onChange();
      }
      return true;
    },
    // The revoking process clears its own cache; the others see the commit in data_version.
    announce: async () => async () => {},
    close: async () => {},
  };
}

/**
 * PostgreSQL: one connection per process `LISTEN`s on `beckon_api_keys`; a revocation sends
 * `NOTIFY` inside its own transaction, so it is delivered when (and only if) it commits, to
 * every process at once. Until the listener is connected and listening — at start, after an
 * error, while reconnecting — `watching()` is false (callers look every key up) and the cache
 * is cleared, since notifications sent meanwhile are lost. Started on first use, so processes
 * that never see an API key never open the connection.
 *
 * @example postgresKeyChanges({ connect: () => new pg.Client(url), schema, onChange: () => cache.forget() })
 */
export function postgresKeyChanges(opts: {
  connect: () => pg.Client;
  schema: string;
  onChange: () => void;
}): KeyChanges {
  let client: pg.Client | undefined;
  let listening = false;
  let started = false;
  let closed = false;
  let retryMs: number = RECONNECT_MS[0];
  let retry: NodeJS.Timeout | undefined;
  /** Revocations of this process waiting to hear their notification, by its token. */
  const echoes = new Map<string, () => void>();

  function lost(from: pg.Client) {
    if (client !== from) return;
    client = undefined;
    listening = false;
    opts.onChange();
    for (const heard of echoes.values()) heard();
    from.removeAllListeners('notification');
    from.end().catch(() => {});
    if (closed) return;
    retry = setTimeout(listen, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RECONNECT_MS[1]);
  }

  function listen() {
    const next = opts.connect();
    client = next;
    // An error may come before or after connecting; either way this connection is done.
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    next.on('notification', ({ channel, payload = '' }) => {
      const [schema, token = ''] = payload.split(':');
      if (channel !== CHANNEL || schema !== opts.schema) return;
      opts.onChange();
      echoes.get(token)?.();
    });
    next
      .connect()
      .then(() => next.query(`LISTEN ${CHANNEL}`))
      .then(() => {
        if (client !== next) return;
        // Anything remembered before now may have missed a notification.
        opts.onChange();
        listening = true;
        retryMs = RECONNECT_MS[0];
      })
      .catch(() => lost(next));
  }

  return {
    watching() {
      if (!started && !closed) {
        started = true;
        listen();
      }
      return listening;
    },
    /**
     * The notification reaches every listener (this process's own too) when the transaction
     * commits. Waiting for our own copy before answering means PostgreSQL has sent it to all
     * of them: a client told "revoked" that then asks another process finds the key gone,
     * short of that process being too busy to read its socket in the meantime.
     */
    async announce(trx: Kysely<Database>) {
      const token = randomBytes(9).toString('base64url');
      let arrived = false;
      let wake = () => {};
      echoes.set(token, () => {
        arrived = true;
        wake();
      });
      // A transaction that fails after this never calls back: forget the token anyway.
      setTimeout(() => echoes.delete(token), 5 * ECHO_WAIT_MS).unref();
      await sql`SELECT pg_notify(${CHANNEL}, ${`${opts.schema}:${token}`})`.execute(trx);
      return () =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(done, arrived || !listening ? 0 : ECHO_WAIT_MS);
          wake = done;
          function done() {
            clearTimeout(timer);
            echoes.delete(token);
            resolve();
          }
        });
    },
    async close() {
      closed = true;
      listening = false;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}
