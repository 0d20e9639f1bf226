/**
 * Calls between the bench and its child processes over the Node IPC channel: a request
 * carries an id, the answer echoes it. Children are separate processes so each one's CPU
 * and memory is its own (the server's peak RSS, the naive loop's single thread).
 */
import { fork, type ChildProcess } from 'node:child_process';

type Handlers = Record<string, (arg: never) => unknown>;
interface Request {
  id: number;
  name: string;
  arg: unknown;
}
interface Answer {
  id: number;
  value?: unknown;
  error?: string;
}

/** In a child: answers the parent's calls with `handlers`. */
export function answerCalls(handlers: Handlers): void {
  if (!process.send) throw new Error('run this file from the bench (it needs an IPC channel)');
  process.on('message', async (request: Request) => {
    let answer: Answer;
    try {
      const handler = handlers[request.name];
      if (!handler) throw new Error(`no handler ${request.name}`);
      answer = { id: request.id, value: await handler(request.arg as never) };
    } catch (error) {
      answer = { id: request.id, error: error instanceof Error ? error.stack : String(error) };
    }
    process.send?.(answer);
  });
}

export interface Caller<H extends Handlers> {
  child: ChildProcess;
  call<K extends keyof H & string>(
    name: K,
    ...arg: Parameters<H[K]>
  ): Promise<Awaited<ReturnType<H[K]>>>;
}

/** Forks a TypeScript child (run with tsx) and returns a typed caller for its handlers. */
export function forkTs<H extends Handlers>(
  file: URL,
  opts: { env?: NodeJS.ProcessEnv } = {},
): Caller<H> {
  const child = fork(file, [], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
        : []),
    ],
    env: opts.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let nextId = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (answer: Answer) => {
    const call = pending.get(answer.id);
    pending.delete(answer.id);
    if (answer.error) call?.reject(new Error(answer.error));
    else call?.resolve(answer.value);
  });
  child.on('exit', (code) => {
    for (const call of pending.values()) call.reject(new Error(`${file} exited (${code})`));
    pending.clear();
  });
  return {
    child,
    call(name, ...arg) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, name, arg: arg[0] } satisfies Request);
      });
    },
  };
}
