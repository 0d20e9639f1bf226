/**
 * Lets the API wake an idle worker in the same process at once, so a single-user send
 * does not wait for the next poll. Workers in other processes still poll.
 *
 * A wake that finds nobody waiting (the worker is busy with a step) is kept, and the next
 * `wait` returns at once: otherwise work queued during a step would sit until the poll.
 */
export function createWakeSignal() {
  let waiters: Array<(woken: boolean) => void> = [];
  let pending = false;
  return {
    wake(): void {
      if (waiters.length === 0) {
        pending = true;
        return;
      }
      const current = waiters;
      waiters = [];
      for (const resolve of current) resolve(true);
    },
    /**
     * Resolves on the next wake() (or a kept one) or after `ms`, whichever comes first: true
     * when woken, false when the time ran out.
     */
    wait(ms: number): Promise<boolean> {
      if (pending) {
        pending = false;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms, false);
        function done(woken: boolean) {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== done);
          resolve(woken);
        }
        waiters.push(done);
      });
    },
  };
}

export type WakeSignal = ReturnType<typeof createWakeSignal>;
