import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../packages/server/src/storage/store.ts';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';

/**
 * Issue 11, "transactional trigger starts": an event and the trigger runs it starts commit
 * together, so a failure between the two steps loses neither, and the client's retry
 * (same messageId) starts the trigger exactly once.
 */
describe.each(DIALECTS)('trigger starts on %s', (dialect) => {
  let beckon: TestBeckon;
  let triggerId: string;

  beforeAll(async () => {
    // No workers: the runs stay where they were started, to be counted.
    beckon = await startBeckon({ dialect, workers: false });
    const res = await beckon.api('/v1/triggers', {
      body: { name: 'Cart', on: { event: 'Cart Updated' }, steps: [{ wait: 'PT1H' }] },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    triggerId = ((await res.json()) as { id: string }).id;
  });
  afterAll(() => beckon?.stop());

  /**
   * `triggers.startRun` throws, in the transaction that stores the events: once (`times: 1`),
   * or every time it is asked to start a run for `externalId`.
   */
  function failRunStarts(which: { times: 1 } | { externalId: string }) {
    const transaction = beckon.store.transaction;
    let failures = 0;
    beckon.store.transaction = (fn) =>
      transaction((tx: Store) => {
        const startRun = tx.triggers.startRun;
        tx.triggers.startRun = async (run, ...rest) => {
          const fail =
            'times' in which ? failures < which.times : run.external_id === which.externalId;
          if (!fail) return startRun(run, ...rest);
          failures++;
          throw new Error('injected: connection lost after the events were written');
        };
        return fn(tx);
      });
    return () => {
      beckon.store.transaction = transaction;
    };
  }

  const runsOf = (externalId: string) =>
    beckon.store.db.kysely
      .selectFrom('trigger_runs')
      .select(['started_at', 'created_at'])
      .where('trigger_id', '=', triggerId)
      .where('external_id', '=', externalId)
      .execute();
  const eventsWith = (messageId: string) =>
    beckon.store.db.kysely
      .selectFrom('events')
      .select('id')
      .where('message_id', '=', messageId)
      .execute();

  it('starts the trigger exactly once when a track fails between event and run and is retried', async () => {
    const body = {
      userId: 'u-retry',
      event: 'Cart Updated',
      messageId: 'm-retry-1',
      // A client clock far behind: the run starts at the server's receive time anyway.
      timestamp: '2020-01-01T00:00:00Z',
    };
    const restore = failRunStarts({ times: 1 });
    try {
      const failed = await beckon.api('/v1/track', { body });
      expect(failed.status).toBe(500);
      expect(await eventsWith('m-retry-1')).toHaveLength(0);
      expect(await runsOf('u-retry')).toHaveLength(0);

      const before = Date.now();
      const retried = await beckon.api('/v1/track', { body });
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({ recorded: 1, duplicates: 0 });
      const again = await beckon.api('/v1/track', { body });
      expect(await again.json()).toMatchObject({ recorded: 0, duplicates: 1 });
    } finally {
      restore();
    }
    const runs = await runsOf('u-retry');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.started_at).toBeGreaterThan(Date.parse('2025-01-01T00:00:00Z'));
    expect(runs[0]!.started_at).toBe(runs[0]!.created_at);
    expect(await eventsWith('m-retry-1')).toHaveLength(1);
    const trigger = (await (await beckon.api(`/v1/triggers/${triggerId}`)).json()) as {
      stats: { fired: number };
    };
    expect(trigger.stats.fired).toBe(1);
  });

  it('fails only the failing request of a group committed together', async () => {
    const restore = failRunStarts({ externalId: 'u-group-7' });
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          beckon.api('/v1/track', {
            body: { userId: `u-group-${i}`, event: 'Cart Updated', messageId: `m-group-${i}` },
          }),
        ),
      );
      for (const [i, answer] of answers.entries()) {
        const ok = i !== 7;
        expect(answer.status).toBe(ok ? 200 : 500);
        expect(await runsOf(`u-group-${i}`)).toHaveLength(ok ? 1 : 0);
        expect(await eventsWith(`m-group-${i}`)).toHaveLength(ok ? 1 : 0);
      }
    } finally {
      restore();
    }
  });

  it('starts the trigger exactly once for a pixel event that fails and is retried', async () => {
    const subscribe = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
      body: JSON.stringify({
        subscription: {
          endpoint: 'https://fcm.googleapis.com/fcm/send/pixel-retry',
          keys: {
            p256dh:
              'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
            auth: 'tBHItJI5svbpez7KI4CCXg',
          },
        },
        externalId: 'u-pixel',
        userHash: beckon.userHash('u-pixel'),
      }),
    });
    expect(subscribe.status, await subscribe.clone().text()).toBe(201);
    const send = () =>
      fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
        body: JSON.stringify({
          type: 'track',
          event: 'Cart Updated',
          externalId: 'u-pixel',
          userHash: beckon.userHash('u-pixel'),
          messageId: 'm-pixel-1',
        }),
      });
    const restore = failRunStarts({ times: 1 });
    try {
      expect((await send()).status).toBe(500);
      expect(await runsOf('u-pixel')).toHaveLength(0);
      expect((await send()).status).toBe(202);
      expect((await send()).status).toBe(202);
    } finally {
      restore();
    }
    expect(await runsOf('u-pixel')).toHaveLength(1);
    expect(await eventsWith('m-pixel-1')).toHaveLength(1);
  });
});
