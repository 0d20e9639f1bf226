import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { withSecretKey } from './databases.ts';

export const BECKON_BIN = fileURLToPath(
  new URL('../../packages/server/bin/beckon.js', import.meta.url),
);

/** A port that was free a moment ago, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Runs a `beckon` command to completion and returns its stdout (stderr is kept for errors). */
export function runBeckon(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BECKON_BIN, ...args], {
      env: withSecretKey({ ...process.env, ...env }),
      cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`beckon ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

/** Starts `beckon serve` (or `worker`) as its own process and waits until it answers /healthz. */
export async function spawnBeckon(
  command: 'serve' | 'worker',
  env: Record<string, string>,
  port: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BECKON_BIN, command], {
    env: withSecretKey({
      ...process.env,
      ...env,
      BECKON_PORT: String(port),
      BECKON_HOST: '127.0.0.1',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d));
  if (command === 'worker') return child;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`beckon ${command} exited early: ${log}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`beckon ${command} did not answer /healthz within 20 s: ${log}`);
}

export function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}
