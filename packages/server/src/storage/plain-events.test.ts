import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testDatabase } from '../../../../test/support/databases.ts';
import { openDatabase, type Db } from './database.ts';
import type { NewEvent } from './events.ts';
import type { PlainWrite } from './plain-events.ts';
import { createStore, type Store } from './store.ts';

describe.each(DIALECTS)('events.storePlain on %s', (dialect) => {
  const database = testDatabase(dialect);
  let db: Db;
  let store: Store;
  let ws: string;
  let other: string;

  beforeAll(async () => {
    db = await openDatabase(database.url);
    store = createStore(db);
    ws = (await store.workspaces.create('Shop', 1)).workspace.id;
    other = (await store.workspaces.create('Other', 1)).workspace.id;
  });

  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  const event = (workspaceId: string, messageId: string, extra: Partial<NewEvent> = {}) => ({
    workspaceId,
    siteId: null,
    subscriberId: null,
    anonymousId: null,
    externalId: 'u-1',
    type: 'track' as const,
    name: 'Order Completed',
    properties: { b: 1, a: 'é "quoted"', nested: { z: [1, 2] } },
    messageId,
    occurredAt: 5,
    receivedAt: 7,
    ...extra,
  });

  it('stores new events once per messageId, creates their users and counts calls per workspace', async () => {
    const first = event(ws, 'm-1');
    const write: PlainWrite = {
      events: [first, event(other, 'm-1'), event(ws, 'm-2', { externalId: 'u-2' })],
      counted: [true, true, false],
      users: [
        { workspaceId: ws, externalId: 'u-1' },
        { workspaceId: ws, externalId: 'u-1' },
        { workspaceId: other, externalId: 'u-1' },
      ],
      calls: [
        { workspaceId: ws, received: 3, dropped: 1, events: 1 },
        { workspaceId: other, received: 1, dropped: 0, events: 1 },
      ],
    };
    const stored = await store.events.storePlain(write, 9, { unlessTriggers: true });
    expect(stored).toEqual(write.events);

    // The same messageIds again: nothing new; the counted ones are duplicates (per workspace:
    // the events its calls carried less those stored).
    const again = await store.events.storePlain(
      {
        events: [event(ws, 'm-1'), event(ws, 'm-3')],
        counted: [true, true],
        users: [],
        calls: [{ workspaceId: ws, received: 2, dropped: 0, events: 2 }],
      },
      9,
      { unlessTriggers: true },
    );
    expect(again?.map((e) => e.messageId)).toEqual(['m-3']);
    expect(await store.events.ingestionCounts(ws)).toEqual({
      received: 5,
      dropped: 1,
      duplicates: 1,
    });
    expect(await store.events.ingestionCounts(other)).toEqual({
      received: 1,
      dropped: 0,
      duplicates: 0,
    });
    expect((await store.users.get(ws, 'u-1'))?.traits).toEqual({});
    expect(await store.users.get(other, 'u-1')).toBeDefined();

    const { rows } = await sql<{ properties: string; received_at: number; occurred_at: number }>`
      SELECT properties, received_at, occurred_at FROM events
      WHERE workspace_id = ${ws} AND message_id = 'm-1'`.execute(db.kysely);
    // Byte for byte what toJson writes: rule audiences and the API read this text.
    expect(rows).toEqual([
      { properties: JSON.stringify(first.properties), received_at: 7, occurred_at: 5 },
    ]);
  });

  it('stores a messageId that two requests of one group carry once, for the first, and counts the other as a duplicate', async () => {
    const mine = await store.workspaces.create('Twice', 1);
    const id = mine.workspace.id;
    const first = event(id, 'm-twice', { properties: { n: 1 } });
    const retried = event(id, 'm-twice', { properties: { n: 2 } });
    const fresh = event(id, 'm-once');
    const stored = await store.events.storePlain(
      {
        events: [first, fresh, retried],
        counted: [true, true, true],
        users: [{ workspaceId: id, externalId: 'u-1' }],
        calls: [{ workspaceId: id, received: 3, dropped: 0, events: 3 }],
      },
      9,
      { unlessTriggers: true },
    );
    expect(stored).toEqual([first, fresh]);
    expect(await store.events.ingestionCounts(id)).toEqual({
      received: 3,
      dropped: 0,
      duplicates: 1,
    });
    const { rows } = await sql<{ message_id: string; properties: string }>`
      SELECT message_id, properties FROM events WHERE workspace_id = ${id}
      ORDER BY message_id`.execute(db.kysely);
    expect(rows).toEqual([
      { message_id: 'm-once', properties: JSON.stringify(fresh.properties) },
      { message_id: 'm-twice', properties: JSON.stringify({ n: 1 }) },
    ]);
  });

  it('writes nothing and answers null when an active trigger listens to an event for someone reachable', async () => {
    await store.triggers.create(
      {
        workspaceId: ws,
        name: 'Thanks',
        definition: { on: { event: 'Signed Up' }, steps: [] },
        reentry: null,
        active: true,
      },
      1,
    );
    const write = (e: NewEvent): PlainWrite => ({
      events: [e],
      counted: [true],
      users: [{ workspaceId: ws, externalId: 'u-9' }],
      calls: [{ workspaceId: ws, received: 1, dropped: 0, events: 1 }],
    });
    const before = await store.events.ingestionCounts(ws);
    expect(
      await store.events.storePlain(write(event(ws, 'm-t', { name: 'Signed Up' })), 9, {
        unlessTriggers: true,
      }),
    ).toBeNull();
    expect(await store.events.ingestionCounts(ws)).toEqual(before);
    expect(await store.users.get(ws, 'u-9')).toBeUndefined();

    // Nobody to reach (an anonymous visitor), or another workspace: stored at once.
    const anonymous = event(ws, 'm-a', { name: 'Signed Up', externalId: null, anonymousId: 'a' });
    expect(
      await store.events.storePlain(write(anonymous), 9, { unlessTriggers: true }),
    ).toHaveLength(1);
    // In the caller's transaction, unless off: stored, for the runs to start beside it.
    const stored = await store.transaction((tx) =>
      tx.events.storePlain(write(event(ws, 'm-t', { name: 'Signed Up' })), 9, {
        unlessTriggers: false,
      }),
    );
    expect(stored?.map((e) => e.messageId)).toEqual(['m-t']);
  });
});
