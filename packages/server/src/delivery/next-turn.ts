/**
 * Resolves on the event loop's next turn (after pending I/O). better-sqlite3 answers
 * synchronously, so a loop of awaited SQLite queries is one long chain of microtasks that
 * never lets the event loop read a socket: a members import or a fan-out would hold every
 * HTTP request (a single-user send among them) until it ends. Long jobs await this between
 * their steps.
 *
 * @example for (const chunk of chunks) { await apply(chunk); await nextTurn(); }
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
