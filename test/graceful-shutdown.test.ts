import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../packages/server/src/storage/database.ts';
import { eventually } from './support/beckon.ts';
import { DIALECTS, testDatabase, type TestDatabase } from './support/databases.ts';
import { startCliFanOut } from './support/cli-fan-out.ts';
import { freePort, runBeckon, spawnBeckon } from './support/process.ts';
import { createLocalPushService, type LocalPushService } from './support/push-service/index.ts';

const SUBSCRIBERS = 2_000;
/** Long, so a shutdown that left leases behind would show (and a restart would stall on them). */
const LEASE_MS = 30_000;
/** Every exit below must come well before the lease would have run out. */
const EXIT_WITHIN_MS = 15_000;

/** Sends `signal` and resolves with the exit code, or rejects if the process is still up. */
function stopWith(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running ${EXIT_WITHIN_MS} ms after ${signal}`));
    }, EXIT_WITHIN_MS);
    child.once('exit', (code, killedBy) => {
      clearTimeout(timer);
      if (code !== 0) process.stderr.write(`exit ${code ?? killedBy} after ${signal}: ${log}\n`);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** Leases still held on rows of the three queues, read from the database itself. */
async function leasesHeld(url: string, now: number) {
  const db = await openDatabase(url);
  try {
    const count = async (table: 'deliveries' | 'jobs' | 'trigger_runs') => {
      const row = await db.kysely
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('lease_until', '>', now)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    return {
      deliveries: await count('deliveries'),
      jobs: await count('jobs'),
      triggerRuns: await count('trigger_runs'),
    };
  } finally {
    await db.close();
  }
}

/**
 * SIGTERM stops a process gracefully: what it holds is sent and recorded or released at once
 * (never left to a lease timeout), and it exits 0 well within the lease time.
 */
describe.each(DIALECTS)('graceful shutdown on %s', (dialect) => {
  let push: LocalPushService;
  let database: TestDatabase;
  let env: Record<string, string>;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    push = await createLocalPushService();
    database = testDatabase(dialect);
    env = {
      BECKON_DATABASE_URL: database.url,
      BECKON_PUSH_ORIGINS_ALLOW: push.origin,
      BECKON_LEASE_MS: String(LEASE_MS),
      BECKON_POLL_MS: '100',
    };
  });

  afterEach(() => {
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  afterAll(async () => {
    await push.close();
    await database.drop();
  });

  it('exits 0 promptly when an idle server gets SIGTERM', async () => {
    await runBeckon(['init', '--json'], env);
    const port = await freePort();
    child = await spawnBeckon('serve', env, port);
    // spawnBeckon polled /healthz: this process still holds an idle keep-alive socket to it.
    expect(await stopWith(child, 'SIGTERM')).toBe(0);
  });

  it('answers a request that is in flight when the server gets SIGTERM, then exits 0', async () => {
    const init = JSON.parse(await runBeckon(['init', '--json'], env)) as { siteKey: string };
    const port = await freePort();
    child = await spawnBeckon('serve', env, port);
    const [subscriber] = push.createSubscribers(1);
    const body = JSON.stringify({
      subscription: { endpoint: subscriber!.endpoint, keys: subscriber!.keys },
    });
    const answered = new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/v1/sites/${init.siteKey}/subscriptions`,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      // Half the body now, the rest after the signal: the request is in flight meanwhile.
      req.write(body.slice(0, 20));
      setTimeout(() => req.end(body.slice(20)), 500);
    });
    await new Promise((r) => setTimeout(r, 100));
    const exited = stopWith(child, 'SIGTERM');
    expect(await answered).toBe(201);
    expect(await exited).toBe(0);
  });

  it('exits 0 promptly when an idle worker gets SIGTERM', async () => {
    child = await spawnBeckon('worker', env, await freePort());
    let log = '';
    child.stderr?.on('data', (d: Buffer) => (log += d));
    await eventually(async () => log.includes('delivery worker running'), {
      what: 'the worker to start',
      timeoutMs: 20_000,
    });
    expect(await stopWith(child, 'SIGTERM')).toBe(0);
  }, 60_000);

  it('sends every push exactly once after SIGTERM in the middle of a 2,000-subscriber fan-out', async () => {
    push.reset();
    const fanOut = await startCliFanOut({ env, push, subscribers: SUBSCRIBERS, firstPushes: 200 });
    const { port, notificationId, api } = fanOut;
    child = fanOut.server;

    expect(await stopWith(child, 'SIGTERM')).toBe(0);
    const beforeStop = push.messages.length;
    expect(beforeStop).toBeLessThan(SUBSCRIBERS);
    // Everything it held was recorded or given back: no lease is left to run out.
    expect(await leasesHeld(database.url, Date.now())).toEqual({
      deliveries: 0,
      jobs: 0,
      triggerRuns: 0,
    });

    push.respondWith('*', { delayMs: 0 });
    child = await spawnBeckon('serve', env, port);
    const status = await eventually(
      async () => {
        const n = (await (await api(`/v1/notifications/${notificationId}`)).json()) as {
          status: string;
          counts: Record<string, number>;
        };
        return n.status === 'sent' ? n : undefined;
      },
      {
        what: `the notification to be sent (${beforeStop} pushes before SIGTERM)`,
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    expect(status.counts).toMatchObject({
      targeted: SUBSCRIBERS,
      delivered: SUBSCRIBERS,
      failed: 0,
    });
    // Exactly one push each: what was sent before the signal was recorded, not sent again.
    expect(new Set(push.messages.map((m) => m.subscriberId)).size).toBe(SUBSCRIBERS);
    expect(push.messages).toHaveLength(SUBSCRIBERS);
    expect(await stopWith(child, 'SIGTERM')).toBe(0);
  }, 240_000);
});
