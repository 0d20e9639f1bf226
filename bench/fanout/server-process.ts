/**
 * `beckon serve` as its own process, exactly as deployed, plus the memory probe. Its stderr
 * is kept and shown if it fails (or always with `BENCH_DEBUG=1`); `BENCH_PROFILE=dir` writes
 * CPU profiles of the server and the bench's other children there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/process.ts';

const CLI = fileURLToPath(new URL('../../packages/server/src/cli/index.ts', import.meta.url));
const PROBE = new URL('./memory-probe.ts', import.meta.url).href;

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Peak RSS of the process and peak heap of its main thread, in bytes. */
  memory(): Promise<{ peakRssBytes: number; peakHeapBytes: number }>;
  resetPeakHeap(): void;
  stop(): Promise<void>;
  /** What the server wrote to stderr so far. */
  log(): string;
}

/** PostgreSQL needs a key for secrets at rest; one per bench run will do (SQLite: key file). */
const BENCH_SECRET_KEY = randomBytes(32).toString('base64');

export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const secretKey =
    env.BECKON_DATABASE_URL?.startsWith('postgres') && !process.env.BECKON_SECRET_KEY
      ? { BECKON_SECRET_KEY: BENCH_SECRET_KEY }
      : {};
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', '--import', PROBE, CLI, 'serve'],
    {
      env: {
        ...process.env,
        ...secretKey,
        ...env,
        BECKON_PORT: String(port),
        BECKON_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d;
    if (process.env.BENCH_DEBUG) process.stderr.write(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`beckon serve exited early:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`beckon serve did not answer /healthz within 30 s:\n${log}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async memory() {
      const answer = once(child, 'message') as Promise<
        [{ memory: Awaited<ReturnType<ServerProcess['memory']>> }]
      >;
      child.send('memory');
      return (await answer)[0].memory;
    },
    resetPeakHeap() {
      child.send('reset-memory');
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
    log: () => log,
  };
}
