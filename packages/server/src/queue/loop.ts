import type { WakeSignal } from './wake-signal.ts';

export interface Loop {
  stop(): Promise<void>;
}

/**
 * Runs `step` again and again: at once while it finds work, otherwise after `idleMs` or
 * when woken. With `maxIdleMs`, each idle poll that found nothing doubles the wait up to
 * it, and work or a wake brings it back to `idleMs`: a loop idle for long polls less often
 * (its polls were CPU a busy process spends on nothing), while a wake still starts it at
 * once. A failing step (database briefly down) is logged and retried after a pause.
 */
export function startLoop(
  step: () => Promise<boolean>,
  opts: { idleMs: number; maxIdleMs?: number; wake: WakeSignal; log: (message: string) => void },
): Loop {
  let running = true;
  const maxIdleMs = Math.max(opts.idleMs, opts.maxIdleMs ?? opts.idleMs);
  let idleMs = opts.idleMs;
  const done = (async () => {
    while (running) {
      let busy = false;
      try {
        busy = await step();
      } catch (error) {
        opts.log(`worker step failed: ${(error as Error).stack ?? error}`);
        await opts.wake.wait(opts.idleMs * 4);
      }
      if (busy) idleMs = opts.idleMs;
      else if (running) {
        const woken = await opts.wake.wait(idleMs);
        idleMs = woken ? opts.idleMs : Math.min(idleMs * 2, maxIdleMs);
      }
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
