/**
 * `npm run bench:fanout [-- --subscribers 100000]` — Beckon's fan-out against the naive
 * `web-push` loop, side by side in one run on this machine:
 *
 * 1. a local push service (HTTPS + HTTP/2, verifies VAPID, decrypts 1 in `--decrypt-every`)
 *    with N virtual subscribers, in its own process;
 * 2. `beckon serve` in its own process on a fresh SQLite file (or PostgreSQL schema when
 *    `BECKON_DATABASE_URL=postgres://…`), seeded with those subscribers;
 * 3. single-user trigger latency: sequential sends, API call → push request arriving;
 * 4. one notification to all N through the API, timed to the last arrival;
 * 5. the same again with the site capped at `{perDay: 5}` (every subscriber still has room, so
 *    all N go out, but each push now has its caps checked): the ratio is what capping costs;
 * 6. under load: single-user sends one after another while a broadcast to all N runs, against
 *    the same sends idle (step 3), and the broadcast's throughput with them against step 4;
 *    then a members import of `--import` ids (default 1,000,000; 0 skips) with a broadcast
 *    and single-user sends running beside it;
 * 7. the naive loop against the same push service, then the crypto floor.
 *
 * The single-user sends go to `--triggers` subscribers of their own (subscribed after the
 * others), so a broadcast never reaches them and each arrival is the send's own.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../packages/server/src/storage/ids.ts';
import type { VirtualSubscriber } from '../test/support/push-service/index.ts';
import { measureCryptoFloor } from './fanout/crypto-floor.ts';
import { benchDatabase } from './fanout/database.ts';
import { forkTs } from './fanout/ipc.ts';
import type { handlers as NaiveLoop } from './fanout/naive-loop-child.ts';
import type { handlers as PushService } from './fanout/push-service-child.ts';
import { report } from './fanout/report.ts';
import { seed } from './fanout/seed.ts';
import { cpuSeconds } from './fanout/cpu-time.ts';
import { startServer } from './fanout/server-process.ts';
import { importMembers } from './fanout/members-import.ts';
import { reportUnderLoad } from './fanout/report-under-load.ts';
import { createCampaign, measureTriggers, sendToAll, setSiteCapping } from './fanout/sends.ts';
import { singlesDuring } from './fanout/under-load.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    naive: { type: 'string' },
    triggers: { type: 'string', default: '200' },
    'decrypt-every': { type: 'string', default: '50' },
    import: { type: 'string', default: '1000000' },
  },
});
const N = positive('subscribers', values.subscribers);
const NAIVE = positive('naive', values.naive ?? String(Math.min(N, 5_000)));
const TRIGGERS = positive('triggers', values.triggers);
const DECRYPT_EVERY = positive('decrypt-every', values['decrypt-every']);
const IMPORT = values.import === '0' ? 0 : positive('import', values.import);
const CONTENT = { title: 'Your cart misses you', body: 'Come back for 10% off', url: '/cart' };
/** Above the pushes each subscriber gets in one run (a trigger or two, two broadcasts). */
const CAPPED_PER_DAY = 5;
const PAYLOAD = JSON.stringify({ deliveryId: newId('dlv'), ...CONTENT });

const database = benchDatabase(process.env.BECKON_DATABASE_URL);
const caFile = join(tmpdir(), `beckon-bench-ca-${process.pid}.pem`);
const push = forkTs<typeof PushService>(new URL('./fanout/push-service-child.ts', import.meta.url));

try {
  process.stderr.write(`starting the push service with ${N.toLocaleString()} subscribers…\n`);
  const { origin, ca } = await push.call('start', {
    decryptEvery: DECRYPT_EVERY,
    subscribers: N + TRIGGERS,
    broadcast: N,
  });
  writeFileSync(caFile, ca);
  process.stderr.write(`seeding ${database.label}…\n`);
  const seeded = await seed(database.url, subscriberPages(0, N + TRIGGERS), { laterFrom: N });
  // Broadcasts go to the first N; the single-user sends' own subscribers came later.
  const everyone = { subscribedBetween: { to: new Date(seeded.laterThan).toISOString() } };
  const singles = seeded.subscribers.slice(N);

  const server = await startServer({
    BECKON_DATABASE_URL: database.url,
    BECKON_PUSH_ORIGINS_ALLOW: origin,
    BECKON_PUSH_CA_FILE: caFile,
    BECKON_RATE_LIMIT_PER_IP: '0',
    BECKON_RATE_LIMIT_PER_SITE: '0',
  });
  let fanOut, capped, triggers, memory, underLoad, underImport, sendCpu;
  try {
    const campaignId = await createCampaign(server, seeded.apiKey, CONTENT);
    const context = {
      server,
      push,
      apiKey: seeded.apiKey,
      campaignId,
      title: CONTENT.title,
      postgres: database.label === 'PostgreSQL',
    };
    process.stderr.write(`${TRIGGERS} single-user triggers…\n`);
    const cpuOf = () => [
      cpuSeconds(server.child.pid),
      cpuSeconds(server.child.pid, { mainThreadOnly: true }),
    ];
    let cpuBefore = cpuOf();
    triggers = await measureTriggers(context, singles, () => (cpuBefore = cpuOf()));
    // The timed sends only (the warm-up ones pay for the JIT); /proc counts 10 ms ticks.
    const cpuAfter = cpuOf();
    const perSend = (i: number) =>
      cpuBefore[i] == null || cpuAfter[i] == null
        ? null
        : ((cpuAfter[i] as number) - (cpuBefore[i] as number)) / TRIGGERS;
    sendCpu = { server: perSend(0), mainThread: perSend(1) };
    process.stderr.write(`fan-out to ${N.toLocaleString()}…\n`);
    fanOut = await sendToAll(context, N, everyone);
    memory = await server.memory();
    process.stderr.write(`capped fan-out (perDay ${CAPPED_PER_DAY}) to ${N.toLocaleString()}…\n`);
    await setSiteCapping(context, seeded.siteId, { perDay: CAPPED_PER_DAY });
    capped = await sendToAll(context, N, everyone);
    await setSiteCapping(context, seeded.siteId, {});

    process.stderr.write(`single-user sends during a fan-out to ${N.toLocaleString()}…\n`);
    underLoad = await singlesDuring(context, singles, sendToAll(context, N, everyone));
    if (IMPORT > 0) {
      process.stderr.write(`a ${IMPORT.toLocaleString()}-id members import beside a fan-out…\n`);
      await push.call('reset');
      const running = importMembers(server, seeded.apiKey, IMPORT);
      // The fan-out starts once the import's job runs (its ids are parsed and stored).
      await new Promise((r) => setTimeout(r, 2_000));
      const beside = await singlesDuring(
        context,
        singles,
        sendToAll(context, N, everyone, { keepLog: true }),
      );
      const during = await singlesDuring(context, singles, running, 200);
      underImport = {
        import: during.result,
        fanOut: beside.result,
        latencies: [...beside.latencies, ...during.latencies],
      };
    }
  } catch (error) {
    process.stderr.write(`the server said:\n${server.log()}`);
    throw error;
  } finally {
    await server.stop();
  }

  process.stderr.write(`naive web-push loop over ${NAIVE.toLocaleString()}…\n`);
  await push.call('reset');
  const subscriptions: VirtualSubscriber[] = [];
  for await (const page of subscriberPages(0, NAIVE)) subscriptions.push(...page);
  const naiveLoop = forkTs<typeof NaiveLoop>(
    new URL('./fanout/naive-loop-child.ts', import.meta.url),
  );
  const naive = await naiveLoop.call('run', { ca, subscriptions, payload: PAYLOAD, inFlight: 100 });
  await naiveLoop.call('close');
  const naiveChecks = await push.call('verify', { title: CONTENT.title });

  process.stderr.write('crypto floor…\n');
  const floor = await measureCryptoFloor({
    threads: availableParallelism(),
    messages: 30_000,
    payload: PAYLOAD,
  });

  report({
    subscribers: N,
    database: database.label,
    decryptEvery: DECRYPT_EVERY,
    fanOut,
    capped,
    naive: { ...naive, checks: naiveChecks },
    floor,
    cores: availableParallelism(),
    triggers,
    memory,
  });
  reportUnderLoad({
    subscribers: N,
    database: database.label,
    idle: triggers,
    fanOut,
    underLoad,
    underImport,
    sendCpu,
  });
  if (!fanOut.complete || !capped.complete || !underLoad.result.complete || naive.failed > 0)
    process.exitCode = 1;
} finally {
  await push.call('close').catch(() => {});
  await database.drop();
  rmSync(caFile, { force: true });
}

async function* subscriberPages(from: number, to: number): AsyncGenerator<VirtualSubscriber[]> {
  for (let at = from; at < to; at += 10_000) {
    yield await push.call('subscribers', { from: at, to: Math.min(to, at + 10_000) });
  }
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: not a positive integer: ${value}`);
  return n;
}
