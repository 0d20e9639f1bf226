import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { createStore, type Store } from '../storage/store.ts';
import { createJobRunner } from './job-runner.ts';

describe.each(DIALECTS)('job runner failures on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let now = Date.now();
  const clock = () => now;

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('retries a throwing job with backoff, keeping its last error, then fails it', async () => {
    const id = await store.jobs.enqueue(
      { workspaceId: 'ws_a', kind: 'breaks', payload: {}, runAt: now },
      now,
    );
    const runner = createJobRunner({
      store,
      clock,
      leaseMs: 1_000,
      maxAttempts: 3,
      handlers: { breaks: async () => Promise.reject(new Error('corrupt payload')) },
    });
    expect(await runner.runOnce()).toBe(true);
    expect(await store.jobs.get('ws_a', id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      error: 'corrupt payload',
    });
    expect(await runner.runOnce()).toBe(false); // backing off
    for (let i = 0; i < 10 && (await store.jobs.get('ws_a', id))?.status === 'queued'; i++) {
      now += 60_000;
      await runner.runOnce();
    }
    expect(await store.jobs.get('ws_a', id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: 'corrupt payload',
    });
  });

  it('fails a job whose worker keeps dying on it instead of taking it over forever', async () => {
    const id = await store.jobs.enqueue(
      { workspaceId: 'ws_a', kind: 'kills', payload: {}, runAt: now },
      now,
    );
    // Each claim's lease runs out with no outcome recorded, as when the process dies.
    for (let i = 0; i < 3; i++) {
      expect((await store.jobs.claim(now, 1_000))?.id).toBe(id);
      now += 2_000;
    }
    const runner = createJobRunner({
      store,
      clock,
      leaseMs: 1_000,
      maxAttempts: 3,
      handlers: { kills: async () => 'never called' },
    });
    expect(await runner.runOnce()).toBe(true);
    expect(await store.jobs.get('ws_a', id)).toMatchObject({
      status: 'failed',
      error: 'no worker finished it in 3 attempts',
    });
  });

  it('releases the job in hand at its next checkpoint when stopped, without counting an attempt', async () => {
    const id = await store.jobs.enqueue(
      { workspaceId: 'ws_a', kind: 'long', payload: {}, runAt: now },
      now,
    );
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const runner = createJobRunner({
      store,
      clock,
      leaseMs: 60_000,
      handlers: {
        // Stands for a fan-out between two pages: it stops when told to.
        long: (_job, signal) =>
          new Promise((_resolve, reject) => {
            started();
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          }),
      },
    });
    const run = runner.runOnce();
    await running;
    runner.stop();
    expect(await run).toBe(false);
    expect(await store.jobs.get('ws_a', id)).toMatchObject({
      status: 'queued',
      attempts: 0,
      error: null,
    });
    // Another worker takes it at once, not after the 60 s lease.
    expect((await store.jobs.claim(now, 1_000))?.id).toBe(id);
  });

  it('claims nothing once stopped', async () => {
    const id = await store.jobs.enqueue(
      { workspaceId: 'ws_a', kind: 'quick', payload: {}, runAt: now },
      now,
    );
    const runner = createJobRunner({
      store,
      clock,
      leaseMs: 60_000,
      handlers: { quick: async () => 'done' },
    });
    runner.stop();
    expect(await runner.runOnce()).toBe(false);
    expect(await store.jobs.get('ws_a', id)).toMatchObject({ status: 'queued', attempts: 0 });
    runner.resume();
    expect(await runner.runOnce()).toBe(true);
    expect(await store.jobs.get('ws_a', id)).toMatchObject({ status: 'succeeded' });
  });
});
