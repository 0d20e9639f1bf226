import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../packages/server/src/storage/database.ts';
import { DIALECTS, testDatabase } from './support/databases.ts';
import { freePort, runBeckon, spawnBeckon, waitForExit } from './support/process.ts';

/** Concurrent clients, each sending one event after another, as a busy site's backend would. */
const CLIENTS = 20;
/** The server is killed once this many events were answered 2xx (or after STREAM_MS). */
const KILL_AFTER = 300;
const STREAM_MS = 15_000;

/**
 * Issue 14, "never accepted then lost": `beckon serve` is killed with SIGKILL in the middle
 * of a stream of single events (the Segment track call and the pixel); every event it had
 * answered 2xx is in the database afterwards, each with exactly one run of the trigger it
 * matches (issue 11: the event and its run commit together).
 */
describe.each(DIALECTS)('kill -9 during single events on %s', (dialect) => {
  const database = testDatabase(dialect);
  let server: ChildProcess | undefined;
  afterAll(async () => {
    server?.kill('SIGKILL');
    await database.drop();
  });

  it('finds every 2xx-answered event stored, with its trigger run, after kill -9', async () => {
    const env = { BECKON_DATABASE_URL: database.url, BECKON_RATE_LIMIT_PER_IP: '0' };
    const init = JSON.parse(
      await runBeckon(['init', '--json', '--origin', 'https://shop.example'], env),
    ) as { apiKey: string; siteKey: string };
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await spawnBeckon('serve', { ...env, BECKON_RATE_LIMIT_PER_SITE: '0' }, port);
    const auth = { authorization: `Bearer ${init.apiKey}`, 'content-type': 'application/json' };
    const trigger = await fetch(`${base}/v1/triggers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'Cart',
        on: { event: 'Cart Updated' },
        steps: [{ wait: 'PT1H' }],
      }),
    });
    expect(trigger.status).toBe(201);

    const accepted: string[] = [];
    let sent = 0;
    let killed = false;
    const deadline = Date.now() + STREAM_MS;
    const send = (id: string): Promise<Response> =>
      // Every third event through the pixel (anonymous: no trigger), the rest as track.
      Number(id.split('-')[2]) % 3 === 0
        ? fetch(`${base}/v1/sites/${init.siteKey}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: 'https://shop.example' },
            body: JSON.stringify({ type: 'page', anonymousId: id, messageId: id }),
          })
        : fetch(`${base}/v1/track`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ userId: id, event: 'Cart Updated', messageId: id }),
          });
    const client = async (c: number) => {
      for (let i = 0; !killed && Date.now() < deadline; i++) {
        const id = `m-${c}-${i}`;
        sent++;
        try {
          const res = await send(id);
          if (res.ok) accepted.push(id);
        } catch {
          return; // the connection died with the server
        }
        if (accepted.length >= KILL_AFTER && !killed) {
          killed = true;
          server?.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    expect(killed, 'the stream reached the kill point').toBe(true);
    await waitForExit(server);
    server = undefined;

    const db = await openDatabase(database.url);
    try {
      const events = await db.kysely
        .selectFrom('events')
        .select(['message_id', 'external_id', 'name'])
        .where('message_id', 'like', 'm-%')
        .execute();
      const stored = new Set(events.map((e) => e.message_id));
      const lost = accepted.filter((id) => !stored.has(id));
      expect(lost, `${lost.length} of ${accepted.length} accepted events lost`).toEqual([]);
      // Some requests were in flight at the kill: stored or not, never half.
      expect(stored.size).toBeLessThanOrEqual(sent);
      const runs = await db.kysely.selectFrom('trigger_runs').select('external_id').execute();
      const runsOf = new Map<string, number>();
      for (const r of runs) runsOf.set(r.external_id!, (runsOf.get(r.external_id!) ?? 0) + 1);
      for (const e of events.filter((e) => e.name === 'Cart Updated')) {
        expect(runsOf.get(e.external_id!), `runs of ${e.external_id}`).toBe(1);
      }
      expect(runs.length).toBe(events.filter((e) => e.name === 'Cart Updated').length);
    } finally {
      await db.close();
    }
  });
});
