import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import type { Target } from '../domain/target.ts';
import { createNotification } from '../notifications/create-notification.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { eraseUser } from '../storage/erase.ts';
import { createStore, type Store } from '../storage/store.ts';
import { initWorkspace } from '../workspace-setup.ts';
import { createFanOut } from './fan-out.ts';

/**
 * A target naming audiences is resolved once into `target_snapshots` on PostgreSQL (see
 * storage/target-snapshots.ts) and scanned in windows on SQLite: both reach exactly the
 * subscribers the windows would, and a snapshot outlives neither its fan-out nor a takeover.
 */
describe.each(DIALECTS)('fan-out to a rule audience on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let workspaceId: string;
  let target: Target;
  /** Subscribers whose user ordered for 50 or more: the rule's members. */
  const buyers: string[] = [];
  const now = Date.now();

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    const init = await initWorkspace(store, {}, now);
    workspaceId = (await store.sites.getMany([init.siteId]))[0]!.workspaceId;
    for (let i = 0; i < 40; i++) {
      const { id } = await store.subscribers.upsert(
        {
          workspaceId,
          siteId: init.siteId,
          externalId: `user-${i}`,
          subscription: {
            endpoint: `https://push.example/s/${i}`,
            keys: { p256dh: 'p', auth: 'a' },
          },
        },
        now,
      );
      await store.events.insert(
        [
          {
            workspaceId,
            siteId: init.siteId,
            subscriberId: id,
            anonymousId: null,
            externalId: `user-${i}`,
            type: 'track',
            name: 'Order Completed',
            properties: { value: i * 3 },
            messageId: null,
            occurredAt: now - 1_000,
          },
        ],
        now,
      );
      if (i * 3 >= 50) buyers.push(id);
    }
    const audience = await store.audiences.create(
      {
        workspaceId,
        name: 'Big buyers',
        rule: { event: { name: 'Order Completed', where: { value: { gte: 50 } }, within: 'P30D' } },
      },
      now,
    );
    target = { audiences: { include: [audience.id] } };
    buyers.sort();
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  async function notification() {
    return store.transaction((tx) =>
      createNotification(
        tx,
        {
          workspaceId,
          campaignId: 'cmp_rule',
          messageId: 'm1',
          content: { title: 'Rule', body: '' },
          target,
          ttl: 3_600,
          urgency: 'normal',
          topic: null,
          ignoreCapping: false,
          sendAt: now,
          deliveryWindow: null,
        },
        now,
      ),
    );
  }

  const fanOut = (window: number) =>
    createFanOut({
      store,
      clock: () => now,
      pageSize: 5,
      window,
      leaseMs: 30_000,
      onDeliveriesQueued: () => {},
    });

  const queuedFor = async (notificationId: string) =>
    (
      await db.kysely
        .selectFrom('deliveries')
        .select('subscriber_id')
        .where('notification_id', '=', notificationId)
        .orderBy('subscriber_id')
        .execute()
    ).map((r) => r.subscriber_id);

  const snapshotRows = async (notificationId: string) =>
    (
      await db.kysely
        .selectFrom('target_snapshots')
        .select('subscriber_id')
        .where('notification_id', '=', notificationId)
        .execute()
    ).length;

  it('resolves once on PostgreSQL only', () => {
    expect(store.targeting.resolvesOnce(target)).toBe(dialect === 'postgres');
    expect(store.targeting.resolvesOnce({ all: true })).toBe(false);
  });

  it('snapshots the same subscribers a scan in windows finds, and pages through them', async () => {
    const scanned: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.targeting.scan(workspaceId, target, cursor, 7, now);
      scanned.push(...page.rows.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    expect(scanned).toEqual(buyers);

    expect(await store.targeting.snapshot('ntf_a', workspaceId, target, now)).toBe(buyers.length);
    // Repeating it (a takeover) keeps what is there and adds nothing twice.
    expect(await store.targeting.snapshot('ntf_a', workspaceId, target, now)).toBe(buyers.length);
    const paged: string[] = [];
    cursor = null;
    do {
      const page = await store.targeting.snapshotPage('ntf_a', cursor, 4);
      paged.push(...page.rows.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(buyers);
    await store.targeting.dropSnapshot('ntf_a');
    expect(await snapshotRows('ntf_a')).toBe(0);
  });

  it('pages by the snapshot alone: a subscriber deleted after it is still listed, in order', async () => {
    await store.targeting.snapshot('ntf_b', workspaceId, target, now);
    await db.kysely.deleteFrom('subscribers').where('id', '=', buyers[1]!).execute();
    const first = await store.targeting.snapshotPage('ntf_b', null, 3);
    // Its delivery fails as "subscriber no longer exists" when sent, as after a window's scan.
    expect(first.rows.map((r) => r.id)).toEqual(buyers.slice(0, 3));
    expect(first.rows[0]?.site_id).toBeTruthy();
    expect(first.next).toBe(buyers[2]);
    const rest = await store.targeting.snapshotPage('ntf_b', first.next, 100);
    expect(rest.rows.map((r) => r.id)).toEqual(buyers.slice(3));
    expect(rest.next).toBeNull();
    await store.targeting.dropSnapshot('ntf_b');
    buyers.splice(1, 1);
  });

  it('queues one delivery per member and leaves no snapshot behind', async () => {
    const { notificationId, jobId } = await notification();
    const result = await fanOut(4)((await store.jobs.get(workspaceId, jobId))!);
    expect(result.targeted).toBe(buyers.length);
    expect(await queuedFor(notificationId)).toEqual(buyers);
    expect(await snapshotRows(notificationId)).toBe(0);
    expect((await store.jobs.get(workspaceId, jobId))!.progress.total).toBe(buyers.length);
  });

  it('a fan-out taken over after its snapshot resumes from it, at its cursor', async () => {
    const { notificationId, jobId } = await notification();
    // The first worker stops after two pages (shutting down), as a crash would.
    const stop = new AbortController();
    let pages = 0;
    const stopping = createFanOut({
      store,
      clock: () => now,
      pageSize: 5,
      window: 4,
      leaseMs: 30_000,
      onDeliveriesQueued: () => {
        if (++pages === 2) stop.abort();
      },
    });
    await expect(
      stopping((await store.jobs.get(workspaceId, jobId))!, stop.signal),
    ).rejects.toThrow();
    if (dialect === 'postgres') {
      // Two pages of the snapshot went out; the snapshot waits for the next worker.
      expect(await queuedFor(notificationId)).toEqual(buyers.slice(0, 8));
      expect(await snapshotRows(notificationId)).toBe(buyers.length);
    }

    const taken = (await store.jobs.get(workspaceId, jobId))!;
    const result = await fanOut(4)(taken);
    expect(result.targeted).toBe(buyers.length);
    expect(await queuedFor(notificationId)).toEqual(buyers);
    expect(await snapshotRows(notificationId)).toBe(0);
  });

  it('erasing a user removes its subscribers from a running snapshot', async () => {
    await store.targeting.snapshot('ntf_c', workspaceId, target, now);
    const last = buyers.at(-1)!;
    const externalId = (await store.subscribers.getMany([last])).get(last)!.external_id!;
    expect(await eraseUser(db.kysely, workspaceId, externalId, now)).toBe(true);
    const rows = await db.kysely
      .selectFrom('target_snapshots')
      .select('subscriber_id')
      .where('notification_id', '=', 'ntf_c')
      .execute();
    expect(rows.map((r) => r.subscriber_id)).toEqual(buyers.slice(0, -1));
    await store.targeting.dropSnapshot('ntf_c');
    buyers.pop();
  });

  it('retention removes the snapshot of a fan-out that failed for good, and only that', async () => {
    const failed = await notification();
    const running = await notification();
    await store.targeting.snapshot(failed.notificationId, workspaceId, target, now);
    await store.targeting.snapshot(running.notificationId, workspaceId, target, now);
    await store.targeting.snapshot('ntf_gone', workspaceId, target, now);
    await db.kysely
      .updateTable('jobs')
      .set({ status: 'failed' })
      .where('id', '=', failed.jobId)
      .execute();
    await db.kysely
      .updateTable('jobs')
      .set({ status: 'running' })
      .where('id', '=', running.jobId)
      .execute();
    let removed = 0;
    for (let n; (n = await store.retention.targetSnapshots(7)) > 0;) removed += n;
    expect(removed).toBe(2 * buyers.length);
    expect(await snapshotRows(failed.notificationId)).toBe(0);
    expect(await snapshotRows('ntf_gone')).toBe(0);
    expect(await snapshotRows(running.notificationId)).toBe(buyers.length);
    await store.targeting.dropSnapshot(running.notificationId);
  });

  it('a cancelled fan-out drops its snapshot', async () => {
    const { notificationId, jobId } = await notification();
    expect(await store.notifications.cancel(workspaceId, notificationId, now)).toBe(true);
    const job = (await store.jobs.get(workspaceId, jobId))!;
    // Cancelled after the job was read: the first page's transaction sees it.
    const racing = createFanOut({
      store: {
        ...store,
        notifications: {
          ...store.notifications,
          get: async () => ({
            ...(await store.notifications.get(workspaceId, notificationId))!,
            cancelled: false,
          }),
        },
      },
      clock: () => now,
      pageSize: 5,
      window: 4,
      leaseMs: 30_000,
      onDeliveriesQueued: () => {},
    });
    await racing(job);
    expect(await queuedFor(notificationId)).toEqual([]);
    expect(await snapshotRows(notificationId)).toBe(0);
  });
});
