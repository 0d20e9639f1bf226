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

    const {
      rows: [claimed, ...more],
    } = await store.deliveries.claimExpress(now, 10_000, 10, null);
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

  it("claims one workspace's single express send within two claims of another's backlog of 5,000", async () => {
    // ws_m's backlog is older, and ws_m sorts between the two senders, so neither the age
    // order nor the id order alone would put them early.
    const backlog = Array.from({ length: 5_000 }, (_, i) =>
      delivery('ws_m', 'express', now - 60_000 + i),
    );
    const late = delivery('ws_z', 'express', now);
    const early = delivery('ws_b', 'express', now);
    await store.deliveries.insertMany(backlog);
    await store.deliveries.insertMany([late, early]);

    // Two workers, each with its own turn, claiming batches of 100 at the same time.
    const after: Array<string | null> = [null, null];
    const batches: string[][] = [];
    for (let round = 0; round < 2; round++) {
      const claims = await Promise.all(
        after.map((a) => store.deliveries.claimExpress(now, 10_000, 100, a)),
      );
      claims.forEach((claim, worker) => {
        after[worker] = claim.workspaceId;
        batches.push(claim.rows.map((r) => r.id));
      });
    }
    const claimedIn = (id: string) => batches.findIndex((batch) => batch.includes(id));
    // batches[2 * round + worker]. Each first claim starts at the first workspace: ws_b's
    // send is in the first batch; the first claims filled up from ws_m, so ws_z's turn is
    // the second claim of one of the workers — not the 51st, after the backlog.
    expect(claimedIn(early.id)).toBe(0);
    expect([2, 3]).toContain(claimedIn(late.id));
    // Full batches, and no row claimed twice (SKIP LOCKED on PostgreSQL).
    const all = batches.flat();
    expect(batches.map((b) => b.length)).toEqual([100, 100, 100, 100]);
    expect(new Set(all).size).toBe(all.length);

    // The backlog is all still claimable, oldest first within its workspace.
    let rest = 0;
    for (let i = 0; i < 60; i++) {
      const claim = await store.deliveries.claimExpress(now, 10_000, 100, after[0] ?? null);
      after[0] = claim.workspaceId;
      if (claim.rows.length === 0) break;
      expect(claim.rows.every((r) => r.workspace_id === 'ws_m')).toBe(true);
      rest += claim.rows.length;
    }
    expect(all.length + rest).toBe(5_002);
  });

  it('fills an express batch from every workspace with sends due before taking more of a backlog', async () => {
    const backlog = Array.from({ length: 300 }, (_, i) =>
      delivery('ws_q', 'express', now - 60_000 + i),
    );
    const singles = ['ws_r1', 'ws_r2', 'ws_r3', 'ws_a0'].map((ws) => delivery(ws, 'express', now));
    await store.deliveries.insertMany([...backlog, ...singles]);

    const claim = await store.deliveries.claimExpress(now, 10_000, 100, 'ws_q');
    const byWorkspace = new Map<string, number>();
    for (const row of claim.rows)
      byWorkspace.set(row.workspace_id, (byWorkspace.get(row.workspace_id) ?? 0) + 1);
    // After ws_q's turn: ws_r1..3, then around to ws_a0, then ws_q takes what is left.
    expect(Object.fromEntries(byWorkspace)).toEqual({
      ws_r1: 1,
      ws_r2: 1,
      ws_r3: 1,
      ws_a0: 1,
      ws_q: 96,
    });
    expect(claim.workspaceId).toBe('ws_q');
    // Drain ws_q so the next tests start empty.
    for (let i = 0; i < 5; i++) await store.deliveries.claimExpress(now, 10_000, 100, null);
    expect((await store.deliveries.claimExpress(now, 10_000, 100, null)).rows).toHaveLength(0);
  });

  it('claims express jobs a workspace at a time in turn, and takes over one whose lease ran out', async () => {
    const enqueue = (workspaceId: string, runAt: number) =>
      store.jobs.enqueue({ workspaceId, kind: 'k', payload: {}, runAt, lane: 'express' }, now);
    // The first test's express job is still running: end it.
    for (let i = 0; i < 5; i++) {
      const stale = await store.jobs.claim(now + 60_000, 1, 'express');
      if (!stale) break;
      await store.jobs.finish(stale.id, { status: 'succeeded' }, now);
    }
    for (let i = 0; i < 50; i++) await enqueue('ws_jm', now - 60_000 + i);
    const single = await enqueue('ws_jb', now);
    const later = await enqueue('ws_jb', now + 60_000);

    const order: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 4; i++) {
      const job = await store.jobs.claim(now, 10_000, 'express', after);
      order.push(job?.id === single ? 'single' : `${job?.workspaceId}`);
      after = job?.workspaceId ?? null;
      if (job) await store.jobs.finish(job.id, { status: 'succeeded' }, now);
    }
    // ws_jb's one job goes first (its workspace sorts first), then ws_jm's backlog in turn;
    // its job due in a minute is passed over.
    expect(order).toEqual(['single', 'ws_jm', 'ws_jm', 'ws_jm']);
    const ids = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const job = await store.jobs.claim(now, 10_000, 'express', after);
      if (!job) break;
      expect(job.id).not.toBe(later);
      ids.add(job.id);
      after = job.workspaceId;
      await store.jobs.finish(job.id, { status: 'succeeded' }, now);
    }
    expect(ids.size).toBe(47);

    // A worker died holding a job: it is claimed again once its lease has run out.
    const dead = await enqueue('ws_jc', now);
    expect((await store.jobs.claim(now, 10_000, 'express', null))?.id).toBe(dead);
    expect(await store.jobs.claim(now + 5_000, 10_000, 'express', null)).toBeUndefined();
    expect((await store.jobs.claim(now + 10_001, 10_000, 'express', 'ws_jc'))?.id).toBe(dead);
  });

  it('writes express deliveries leased to their writer: no claim takes them, and a re-run returns none', async () => {
    const leased = { ...delivery('ws_h', 'express', now), leaseUntil: now + 10_000 };
    const queued = delivery('ws_h', 'express', now);
    const rows = await store.deliveries.insertMany([leased, queued]);
    // Only the leased row comes back, as a claim would give it: its first attempt.
    expect(rows.map((r) => [r.id, r.lease_until, r.attempts])).toEqual([
      [leased.id, now + 10_000, 1],
    ]);
    const claim = await store.deliveries.claimExpress(now, 10_000, 100, null);
    expect(claim.rows.map((r) => r.id)).toEqual([queued.id]);
    // A fan-out slice written again after a crash inserts nothing, so hands nothing off.
    expect(await store.deliveries.insertMany([{ ...leased, id: newId('dlv') }])).toEqual([]);
    // Its writer died: the lease runs out and a claim takes it, as after any claim.
    const later = await store.deliveries.claimExpress(now + 10_001, 10_000, 100, null);
    expect(later.rows.map((r) => [r.id, r.attempts])).toContainEqual([leased.id, 2]);
  });
});
