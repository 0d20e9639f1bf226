import { describe, expect, it } from 'vitest';
import type { Store } from '../storage/store.ts';
import { createGroupCommit } from './group-commit.ts';

/** A store whose transactions only log when they begin and commit (or roll back). */
function fakeStore(log: string[]): Store {
  const store = {
    async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
      log.push('begin');
      try {
        const result = await fn(store);
        log.push('commit');
        return result;
      } catch (error) {
        log.push('rollback');
        throw error;
      }
    },
  } as Store;
  return store;
}

describe('group commit', () => {
  it('writes the items submitted together in one transaction and answers after its commit', async () => {
    const log: string[] = [];
    const groups: number[][] = [];
    const submit = createGroupCommit((items: number[]) =>
      fakeStore(log).transaction(async () => {
        groups.push(items);
        return items.map((n) => n * 10);
      }),
    );
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => submit(n).then((v) => (log.push(`answer ${n}`), v))),
    );
    expect(answers).toEqual([10, 20, 30, 40, 50]);
    expect(groups).toEqual([[1, 2, 3, 4, 5]]);
    expect(log.slice(0, 3)).toEqual(['begin', 'commit', 'answer 1']);
  });

  it('gathers the next group while one commits', async () => {
    const groups: number[][] = [];
    let release!: () => void;
    const firstHeld = new Promise<void>((r) => (release = r));
    const submit = createGroupCommit((items: number[]) =>
      fakeStore([]).transaction(async () => {
        groups.push(items);
        if (groups.length === 1) await firstHeld;
        return items;
      }),
    );
    const first = submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [submit(2), submit(3), submit(4)];
    release();
    await Promise.all([first, ...later]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the item that fails, writing the others again one by one', async () => {
    const log: string[] = [];
    const submit = createGroupCommit((items: number[]) =>
      fakeStore(log).transaction(async () => {
        if (items.includes(3)) throw new Error('bad item');
        return items;
      }),
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => submit(n)));
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    // The group rolled back, then each item had a transaction of its own.
    expect(log.filter((l) => l === 'rollback')).toHaveLength(2);
    expect(log.filter((l) => l === 'commit')).toHaveLength(3);
  });
});
