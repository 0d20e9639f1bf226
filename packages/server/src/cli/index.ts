import { parseArgs } from 'node:util';
import webpush from 'web-push';
import { loadConfig } from '../config.ts';
import { createBeckon, listen, log } from '../main.ts';
import { openDatabase } from '../storage/database.ts';
import { secretBoxFor } from '../secrets/open-secrets.ts';
import { sealStoredSecrets } from '../secrets/reseal.ts';
import { createStore } from '../storage/store.ts';
import { secretsCommand, SECRETS_USAGE } from './secrets.ts';
import { readAllStdin, UsageError, usersCommand, USERS_USAGE } from './users.ts';
import { vapidSubjectSchema } from '../http/schemas.ts';
import { initWorkspace } from '../workspace-setup.ts';

const USAGE = `Usage: beckon <command>

  init [--json] [--origin URL]... [--name NAME] [--subject mailto:|https:]
                 create a workspace, a site, its VAPID keys and an API key
  serve          run the API, the browser files and the delivery workers
  worker         run the delivery workers only (scale-out on PostgreSQL)
  keys           print a new VAPID key pair
${SECRETS_USAGE}
${USERS_USAGE}

Configuration comes from BECKON_* environment variables (see README).`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'init':
      return init(rest);
    case 'serve':
      return serve();
    case 'worker':
      return worker();
    case 'secrets':
      return secretsCommand(rest, loadConfig(), process.env);
    case 'users':
      try {
        return await usersCommand(rest, loadConfig(), readAllStdin, (line) =>
          process.stdout.write(`${line}\n`),
        );
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 2;
        return;
      }
    case 'keys':
      process.stdout.write(`${JSON.stringify(webpush.generateVAPIDKeys())}\n`);
      return;
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = command && command !== 'help' && command !== '--help' ? 2 : 0;
  }
}

async function init(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      origin: { type: 'string', multiple: true },
      name: { type: 'string' },
      subject: { type: 'string' },
    },
  });
  const subject =
    values.subject === undefined ? undefined : vapidSubjectSchema.safeParse(values.subject);
  if (subject && !subject.success) {
    process.stderr.write(`--subject ${subject.error.issues[0]?.message ?? 'is not valid'}\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const { box } = secretBoxFor(config.secretKey, config.databaseUrl);
  const db = await openDatabase(config.databaseUrl);
  try {
    const store = createStore(db, { secrets: box });
    // A database made by an older version may still hold plain secrets.
    await sealStoredSecrets(store, box);
    const result = await initWorkspace(
      store,
      {
        name: values.name,
        origins: values.origin?.map((o) => new URL(o).origin),
        subject: subject?.data,
      },
      Date.now(),
    );
    warn(result.warnings);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `Workspace created.\n  API key:   ${result.apiKey} (shown once; store it)\n  Site key:  ${result.siteKey}\n  Site id:   ${result.siteId}\n  VAPID key: ${result.vapidPublicKey}\n  Identity secret: ${result.identitySecret} (for userHash; keep it on your servers)\n`,
      );
    }
  } finally {
    await db.close();
  }
}

async function serve(): Promise<void> {
  const config = loadConfig();
  const beckon = await createBeckon(config);
  if (config.init) {
    const result = await initWorkspace(beckon.store, {}, Date.now());
    process.stdout.write(`${JSON.stringify(result)}\n`);
    warn(result.warnings);
  }
  const server = await listen(beckon.app, config);
  if (config.workers) beckon.startWorkers();
  // Before the log line: a supervisor that signals as soon as it reads it must not find the
  // default handler (which kills at once) still in place.
  onShutdown(config.leaseMs, async () => {
    // Stop accepting at once; requests in flight finish while the workers finish or release
    // what they hold. close() drops only the keep-alive sockets idle at that moment: one
    // whose request ends later would hold the exit for the keep-alive timeout (5 s), so
    // idle sockets are dropped again until the server has closed.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const dropIdle = setInterval(() => {
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }, 50);
    await Promise.all([closed.finally(() => clearInterval(dropIdle)), beckon.stopWorkers()]);
    await beckon.close();
  });
  log(
    `listening on http://${config.host}:${config.port} (${beckon.store.db.dialect}, workers ${config.workers ? 'on' : 'off'})`,
  );
}

async function worker(): Promise<void> {
  const config = loadConfig();
  const beckon = await createBeckon(config);
  beckon.startWorkers();
  onShutdown(config.leaseMs, () => beckon.close());
  log(`delivery worker running (${beckon.store.db.dialect})`);
}

/** Warnings go to stderr, so `init --json` still prints exactly one line on stdout. */
function warn(warnings: ReadonlyArray<{ message: string }>): void {
  for (const w of warnings) log(`warning: ${w.message}`);
}

/**
 * Graceful shutdown on SIGINT/SIGTERM: `close` stops claiming, finishes or releases the work
 * in hand (so nothing waits for a lease to run out) and closes the database; then exit 0.
 * A second signal exits at once; so does a close still running when the lease time is up,
 * since by then other workers may take over what this one holds anyway.
 */
function onShutdown(leaseMs: number, close: () => Promise<void>): void {
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) {
        log(`${signal} again: exiting now`);
        process.exit(1);
      }
      closing = true;
      const started = Date.now();
      log(`${signal}: shutting down`);
      setTimeout(() => {
        log(`still shutting down after ${leaseMs} ms (the lease time): exiting now`);
        process.exit(1);
      }, leaseMs).unref();
      close().then(
        () => {
          log(`shut down in ${Date.now() - started} ms`);
          process.exit(0);
        },
        (error: unknown) => {
          log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
