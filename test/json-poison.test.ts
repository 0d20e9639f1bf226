import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';

/**
 * Issue 9 finding 6: one event or trait holding `\u0000` (or an unpaired surrogate) made every
 * `::jsonb` cast over the workspace's events fail on PostgreSQL, so its rule audiences and
 * sends answered 500. Every way in is refused with a 400 and stores nothing.
 */
describe.each(DIALECTS)('NUL, lone surrogates and deep JSON on %s', (dialect) => {
  let beckon: TestBeckon;
  const audiences: string[] = [];

  beforeAll(async () => {
    beckon = await startBeckon({ dialect, workers: false });
    for (const rule of [
      { event: { name: 'Order Completed', where: { note: { contains: 'gift' } } } },
      { trait: { plan: 'pro' } },
    ]) {
      const res = await beckon.api('/v1/audiences', { body: { name: JSON.stringify(rule), rule } });
      expect(res.status).toBe(201);
      audiences.push(((await res.json()) as { id: string }).id);
    }
    // Something honest to match, so the audiences really read events and traits.
    expect(
      (await beckon.api('/v1/identify', { body: { userId: 'ann', traits: { plan: 'pro' } } }))
        .status,
    ).toBe(200);
    expect(
      (
        await beckon.api('/v1/track', {
          body: { userId: 'ann', event: 'Order Completed', properties: { note: 'gift' } },
        })
      ).status,
    ).toBe(200);
  });
  afterAll(() => beckon.stop());

  const rows = async () => {
    const db = beckon.store.db.kysely;
    const events = await db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const users = await db
      .selectFrom('users')
      .select(['external_id', 'traits'])
      .orderBy('external_id')
      .execute();
    return { events: Number(events.n), users };
  };

  const pixel = (body: string) =>
    fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
  const privateCall = (path: string, body: string) =>
    fetch(`${beckon.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${beckon.apiKey}`, 'content-type': 'application/json' },
      body,
    });
  const gif = (query: string) =>
    fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/pixel.gif?${query}`);

  const deep = (depth: number) =>
    `{"userId":"x","event":"Deep","properties":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

  const attacks: Array<[string, () => Promise<Response>]> = [
    [
      'a pixel event property',
      () =>
        pixel(
          JSON.stringify({
            type: 'track',
            event: 'Order Completed',
            properties: { note: 'gift\u0000' },
          }),
        ),
    ],
    [
      'a pixel event property name',
      () =>
        pixel(
          JSON.stringify({
            type: 'track',
            event: 'Order Completed',
            properties: { ['no\u0000te']: 'gift' },
          }),
        ),
    ],
    [
      'a pixel identify trait',
      () =>
        pixel(
          JSON.stringify({ type: 'identify', externalId: 'bob', traits: { plan: 'pro\u0000' } }),
        ),
    ],
    [
      'a pixel event name, inside a batch',
      () => pixel(JSON.stringify([{ type: 'page' }, { type: 'track', event: 'Order\u0000' }])),
    ],
    [
      'a raw NUL byte in the pixel body',
      () => pixel('{"type":"track","event":"Order Completed","properties":{"note":"\u0000"}}'),
    ],
    [
      'an unpaired surrogate in a pixel property',
      () => pixel('{"type":"track","event":"Order Completed","properties":{"note":"\\ud800"}}'),
    ],
    [
      'pixel.gif properties',
      () =>
        gif(
          `type=track&event=Order%20Completed&properties=${encodeURIComponent('{"note":"gift\\u0000"}')}`,
        ),
    ],
    ['a pixel.gif parameter', () => gif('type=track&event=Order%00Completed')],
    ['a pixel.gif anonymousId', () => gif('type=page&anonymousId=a%00b')],
    [
      'a /v1/track property',
      () =>
        privateCall(
          '/v1/track',
          JSON.stringify({
            userId: 'bob',
            event: 'Order Completed',
            properties: { note: 'gift\u0000' },
          }),
        ),
    ],
    [
      'a /v1/identify trait',
      () =>
        privateCall(
          '/v1/identify',
          JSON.stringify({ userId: 'bob', traits: { plan: 'pro\u0000' } }),
        ),
    ],
    [
      'a /v1/identify trait name',
      () =>
        privateCall(
          '/v1/identify',
          JSON.stringify({ userId: 'bob', traits: { ['pl\u0000an']: 'pro' } }),
        ),
    ],
    [
      'a /v1/identify userId',
      () =>
        privateCall(
          '/v1/identify',
          JSON.stringify({ userId: 'bo\u0000b', traits: { plan: 'pro' } }),
        ),
    ],
    [
      'a /v1/batch call',
      () =>
        privateCall(
          '/v1/batch',
          JSON.stringify({
            batch: [
              { type: 'track', userId: 'bob', event: 'A' },
              { type: 'identify', userId: 'bob', traits: { plan: '\u0000' } },
            ],
          }),
        ),
    ],
    ['a 65-deep /v1/track', () => privateCall('/v1/track', deep(64))],
    ['a 10,000-deep /v1/track', () => privateCall('/v1/track', deep(10_000))],
    ['a 10,000-deep pixel body', () => pixel('['.repeat(10_000) + ']'.repeat(10_000))],
  ];

  it.each(attacks)(
    'refuses NUL/deep JSON in %s with a 400 and stores nothing',
    async (_, attack) => {
      const before = await rows();
      const res = await attack();
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await rows()).toEqual(before);
      for (const id of audiences) {
        const members = await beckon.api(`/v1/audiences/${id}/members`);
        expect(members.status).toBe(200);
      }
    },
  );

  it('still takes 64-deep JSON and ordinary unicode', async () => {
    const before = await rows();
    const res = await privateCall('/v1/track', deep(63)); // properties at depth 1 + 63 = 64
    expect(res.status).toBe(200);
    const emoji = await pixel(
      JSON.stringify({
        type: 'track',
        event: 'Order Completed',
        properties: { note: 'gift 🎁 é' },
      }),
    );
    expect(emoji.status).toBe(202);
    expect((await rows()).events).toBe(before.events + 2);
    for (const id of audiences)
      expect((await beckon.api(`/v1/audiences/${id}/members`)).status).toBe(200);
  });
});
