import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { laneOf } from '../domain/lane.ts';
import { openDatabase, type Db } from './database.ts';
import type { NewDelivery } from './deliveries.ts';
import { newId } from './ids.ts';
import { createStore, type Store } from './store.ts';

describe('laneOf', () => {
  it('puts trigger sends and sends naming at most 100 ids in the express lane', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
    expect(laneOf({ externalIds: ids(1) }, {})).toBe('express');
    expect(laneOf({ subscriberIds: ids(100), categories: ['news'] }, {})).toBe('express');
    expect(laneOf({ externalIds: ids(500), subscriberIds: ids(3) }, {})).toBe('express');
    expect(laneOf({ all: true }, { triggerId: 'trg_1' })).toBe('express');
    expect(laneOf({ externalIds: ids(101) }, {})).toBe('bulk');
    expect(laneOf({ all: true }, {})).toBe('bulk');
    expect(laneOf({ audiences: { include: ['aud_1'] } }, {})).toBe('bulk');
  });
});

describe.each(DIALECTS)('lanes in the claims on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  const now = Date.now();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const delivery = (workspaceId: string, lane: 'express' | 'bulk', at: number): NewDelivery => ({
    id: newId('dlv'),
    notificationId: `ntf_${workspaceId}_${lane}`,
    workspaceId,
    subscriberId: newId('sub'),
    siteId: 'site_1',
    campaignId: 'cmp_1',
    messageId: 'msg_1',
    status: 'queued',
    nextAttemptAt: at,
    expiresAt: now + 60_000,
    lane,
  });

  it('claims an express job ahead of older bulk jobs, and bulk jobs of the least busy workspace first', async () => {
    const enqueue = (workspaceId: string, lane: 'express' | 'bulk', runAt: number) =>
      store.jobs.enqueue({ workspaceId, kind: 'k', payload: {}, runAt, lane }, now);
    await enqueue('ws_a', 'bulk', now - 3_000);
    await enqueue('ws_a', 'bulk', now - 2_000);
    await enqueue('ws_b', 'bulk', now - 1_000);
    const express = await enqueue('ws_c', 'express', now);

    expect((await store.jobs.claim(now, 10_000, 'express'))?.id).toBe(express);
    expect(await store.jobs.claim(now, 10_000, 'express')).toBeUndefined();
    const first = await store.jobs.claim(now, 10_000, 'bulk');
    expect(first?.workspaceId).toBe('ws_a');
    // ws_a runs a job now: ws_b's younger one goes next, not ws_a's second.
    expect((await store.jobs.claim(now, 10_000, 'bulk'))?.workspaceId).toBe('ws_b');
    expect((await store.jobs.claim(now, 10_000, 'bulk'))?.workspaceId).toBe('ws_a');
  });

  it('claims express deliveries behind a bulk backlog, and bulk batches a workspace at a time in turn', async () => {
    const bulkA = Array.from({ length: 30 }, (_, i) => delivery('ws_a', 'bulk', now - 10_000 + i));
    const bulkB = Array.from({ length: 5 }, (_, i) => delivery('ws_b', 'bulk', now - 1_000 + i));
    const express = delivery('ws_c', 'express', now);
    await store.deliveries.insertMany([...bulkA, ...bulkB, express]);

    const [claimed, ...more] = await store.deliveries.claimExpress(now, 10_000, 10);
    expect(claimed?.id).toBe(express.id);
    expect(more).toHaveLength(0);

    const workspaces: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 4; i++) {
      const batch = await store.deliveries.claimBulk(now, 10_000, 10, after);
      expect(new Set(batch.rows.map((r) => r.workspace_id)).size).toBe(1);
      workspaces.push(`${batch.workspaceId}:${batch.rows.length}`);
      after = batch.workspaceId;
    }
    // A's older backlog does not hold B's batch back: they alternate.
    expect(workspaces).toEqual(['ws_a:10', 'ws_b:5', 'ws_a:10', 'ws_a:10']);
    expect((await store.deliveries.claimBulk(now, 10_000, 10, after)).rows).toHaveLength(0);
  });
});
