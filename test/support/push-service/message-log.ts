/**
 * What the push service saw: accepted messages, refusals, every attempt, and the waiters
 * (`waitForMessages`) woken as messages arrive.
 */
import type { Attempt, ReceivedMessage, Rejection, WaitForMessagesOptions } from './types.ts';

export interface MessageLog {
  readonly messages: ReceivedMessage[];
  readonly attempts: Attempt[];
  readonly rejected: Rejection[];
  addMessage(message: ReceivedMessage): void;
  addAttempt(attempt: Attempt): void;
  addRejection(rejection: Rejection): void;
  waitFor(count: number, options?: WaitForMessagesOptions): Promise<ReceivedMessage[]>;
  /** Empties the lists in place; pending waiters keep waiting, counting from zero. */
  reset(): void;
  /** Rejects every pending waiter. */
  close(): void;
}

interface Waiter {
  count: number;
  filter: ((message: ReceivedMessage) => boolean) | undefined;
  matched: ReceivedMessage[];
  settle(error: Error | undefined): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** setTimeout fires at once (after a warning) for anything larger. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * @example
 * const log = createMessageLog();
 * const [first] = await log.waitFor(1, { timeoutMs: 2000 });
 */
export function createMessageLog(): MessageLog {
  const messages: ReceivedMessage[] = [];
  const attempts: Attempt[] = [];
  const rejected: Rejection[] = [];
  const waiters = new Set<Waiter>();

  function describeShortfall(waiter: Waiter, timeoutMs: number): string {
    const lastRefusal = rejected.at(-1);
    const errors = attempts.filter((a) => a.status !== 201).length;
    return (
      `waitForMessages: expected ${waiter.count} message(s)${waiter.filter ? ' matching the filter' : ''}, ` +
      `but ${waiter.matched.length} arrived within ${timeoutMs} ms ` +
      `(${messages.length} accepted in all; ${errors} of ${attempts.length} attempts answered with an error` +
      (lastRefusal ? `; last refusal: ${lastRefusal.status} ${lastRefusal.reason}` : '') +
      ')'
    );
  }

  function offer(waiter: Waiter, message: ReceivedMessage): void {
    let matches: boolean;
    try {
      matches = waiter.filter ? waiter.filter(message) : true;
    } catch (error) {
      waiter.settle(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (matches) waiter.matched.push(message);
    if (waiter.matched.length >= waiter.count) waiter.settle(undefined);
  }

  return {
    messages,
    attempts,
    rejected,
    addMessage(message) {
      messages.push(message);
      for (const waiter of waiters) offer(waiter, message);
    },
    addAttempt: (attempt) => void attempts.push(attempt),
    addRejection: (rejection) => void rejected.push(rejection),
    waitFor(count, options = {}) {
      const timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS);
      if (!Number.isInteger(count) || count < 0) {
        return Promise.reject(new RangeError(`waitForMessages: bad count ${count}`));
      }
      if (!(timeoutMs >= 0))
        return Promise.reject(new RangeError(`waitForMessages: bad timeoutMs ${timeoutMs}`));
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          count,
          filter: options.filter,
          matched: [],
          settle(error) {
            clearTimeout(timer);
            waiters.delete(waiter);
            if (error) reject(error);
            else resolve(waiter.matched);
          },
        };
        const timer = setTimeout(
          () => waiter.settle(new Error(describeShortfall(waiter, timeoutMs))),
          timeoutMs,
        );
        waiters.add(waiter);
        for (const message of messages) {
          if (!waiters.has(waiter)) return;
          offer(waiter, message);
        }
        if (waiters.has(waiter) && waiter.matched.length >= count) waiter.settle(undefined);
      });
    },
    reset() {
      messages.length = 0;
      attempts.length = 0;
      rejected.length = 0;
      for (const waiter of waiters) waiter.matched = [];
    },
    close() {
      for (const waiter of waiters)
        waiter.settle(new Error('waitForMessages: the push service was closed'));
    },
  };
}
