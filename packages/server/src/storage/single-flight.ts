/**
 * Concurrent calls with the same key share the one call in flight; nothing is kept once it
 * settles, so an answer is never older than a call that started before the caller asked
 * (at most one query earlier) — no cache to invalidate. A busy public endpoint's requests
 * arrive in bursts naming the same site or API key: the burst costs one lookup.
 *
 * @example const getByKey = singleFlight((key: string) => readSite(key));
 */
export function singleFlight<K, V>(fn: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const inFlight = new Map<K, Promise<V>>();
  return (key) => {
    const running = inFlight.get(key);
    if (running) return running;
    const call = fn(key).finally(() => inFlight.delete(key));
    inFlight.set(key, call);
    return call;
  };
}
