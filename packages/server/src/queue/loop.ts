import type { WakeSignal } from './wake-signal.ts';

export interface Loop {
  stop(): Promise<void>;
}

/**
 * Runs `step` again and again: at once while it finds work, otherwise after `idleMs` or
 * when woken. A failing step (database briefly down) is logged and retried after a pause.
 */
export function startLoop(
  step: () => Promise<boolean>,
  opts: { idleMs: number; wake: WakeSignal; log: (message: string) => void },
): Loop {
  let running = true;
  const done = (async () => {
    while (running) {
      let busy = false;
      try {
        busy = await step();
      } catch (error) {
        opts.log(`worker step failed: ${(error as Error).stack ?? error}`);
        await opts.wake.wait(opts.idleMs * 4);
      }
      if (!busy && running) await opts.wake.wait(opts.idleMs);
    }
  })();
  return {
    async stop() {
      running = false;
      opts.wake.wake();
      await done;
    },
  };
}
