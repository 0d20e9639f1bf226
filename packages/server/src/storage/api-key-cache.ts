import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Keys remembered at most; past it the least recently used one is forgotten. */
export const MAX_CACHED_KEYS = 10_000;

/**
 * How a process learns that another connection changed `api_keys` (one implementation per
 * dialect: api-key-changes.ts). Until it can tell, the cache must not be used.
 */
export interface KeyChanges {
  /**
   * Whether remembered answers may be used now. Reading it may first find another
   * connection's commit and clear the cache (`onChange`).
   */
  watching(): boolean;
  /**
   * Called inside the transaction that revokes a key: tells the other processes on commit.
   * The answer, called after the commit, waits until the news has gone out.
   */
  announce(trx: Kysely<Database>): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The workspace of each recently used API key, by the key's hash (never the key itself), so
 * a request with a known key costs no query. Revocation is exact: `forget()` in this process,
 * `KeyChanges` for the others; a lookup that was running while the cache was cleared does
 * not store its (possibly revoked) answer. Unknown keys are never remembered, so guessing
 * cannot fill the cache.
 *
 * @example
 * const since = cache.generation();
 * const hit = cache.get(hash) ?? cache.remember(hash, await lookUp(hash), since);
 */
export function createApiKeyCache<Workspace>({
  maxKeys = MAX_CACHED_KEYS,
}: { maxKeys?: number } = {}) {
  const known = new Map<string, Workspace>();
  let generation = 0;
  return {
    get(hash: string): Workspace | undefined {
      const workspace = known.get(hash);
      if (workspace) {
        // Move it to the end: the Map's order is the recency order.
        known.delete(hash);
        known.set(hash, workspace);
      }
      return workspace;
    },
    /** Stores a lookup's answer unless the cache was cleared since it began (`since`). */
    remember(hash: string, workspace: Workspace | undefined, since: number) {
      if (!workspace || since !== generation) return workspace;
      known.set(hash, workspace);
      if (known.size > maxKeys) known.delete(known.keys().next().value!);
      return workspace;
    },
    /** A counter that moves whenever the cache is cleared. */
    generation: () => generation,
    /** Forgets every key (a key was revoked here or elsewhere, or changes cannot be seen). */
    forget() {
      generation++;
      known.clear();
    },
    get size() {
      return known.size;
    },
  };
}

/** What each key opens: the workspace, as `workspaces.findByApiKey` answers it. */
export interface KeyOwner {
  id: string;
  name: string;
  createdAt: number;
}

export type ApiKeyCache = ReturnType<typeof createApiKeyCache<KeyOwner>>;

/** The process's cache and how it hears of revocations elsewhere, as `Db` carries them. */
export interface ApiKeys {
  cache: ApiKeyCache;
  changes: KeyChanges;
}
