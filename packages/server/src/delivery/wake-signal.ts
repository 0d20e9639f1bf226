/**
 * Lets the API wake an idle worker in the same process at once, so a single-user send
 * does not wait for the next poll. Workers in other processes still poll.
 */
export function createWakeSignal() {
  let waiters: Array<() => void> = [];
  return {
    wake(): void {
      const current = waiters;
      waiters = [];
      for (const resolve of current) resolve();
    },
    /** Resolves on the next wake() or after `ms`, whichever comes first. */
    wait(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        }
        waiters.push(done);
      });
    },
  };
}

export type WakeSignal = ReturnType<typeof createWakeSignal>;
