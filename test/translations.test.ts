import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBeckon, type TestBeckon } from './support/beckon.ts';
import { DIALECTS } from './support/databases.ts';
import {
  createLocalPushService,
  pushed,
  type LocalPushService,
  type VirtualSubscriber,
} from './support/push-service/index.ts';

const PAGE = 'https://shop.example';

/**
 * Messages per language (API.md "Languages"): each subscriber gets the translation that best
 * fits the language their browser had when they subscribed, else the default, templates
 * included; a send that would not fit in some language is refused at once.
 */
describe.each(DIALECTS)('message translations on %s', (dialect) => {
  let push: LocalPushService;
  let beckon: TestBeckon;

  async function subscriber(language: string, externalId: string): Promise<VirtualSubscriber> {
    const s = push.createSubscriber();
    const res = await fetch(`${beckon.url}/v1/sites/${beckon.siteKey}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: PAGE },
      body: JSON.stringify({
        subscription: { endpoint: s.endpoint, keys: s.keys },
        language,
        externalId,
        userHash: await beckon.userHash(externalId),
      }),
    });
    expect(res.status).toBe(201);
    return s;
  }

  beforeAll(async () => {
    push = await createLocalPushService();
    beckon = await startBeckon({ dialect, pushOrigins: [push.origin], origins: [PAGE] });
  });
  afterAll(async () => {
    await beckon?.stop();
    await push?.close();
  });

  it('sends each subscriber the message in their language, with traits, else the default', async () => {
    const de = await subscriber('de-AT', 'ute');
    const br = await subscriber('pt-BR', 'joao');
    const en = await subscriber('en-US', 'ann');
    await beckon.api('/v1/users/ute', { method: 'PUT', body: { traits: { name: 'Ute' } } });
    const created = await beckon.api('/v1/campaigns', {
      body: {
        name: 'Restock',
        messages: [
          {
            id: 'm',
            title: 'Back in stock, {{traits.name|friend}}',
            body: 'The blue mug',
            translations: {
              de: { title: 'Wieder da, {{traits.name|Freund}}', body: 'Die blaue Tasse' },
              pt: { title: 'De volta' },
            },
          },
        ],
      },
    });
    expect(created.status).toBe(201);
    const { id: campaignId } = (await created.json()) as { id: string };
    const sent = await beckon.api('/v1/notifications', {
      body: { campaignId, target: { externalIds: ['ute', 'joao', 'ann'] } },
    });
    expect(sent.status).toBe(202);

    const messages = await push.waitForMessages(3);
    const to = (s: VirtualSubscriber) =>
      pushed(messages.find((m) => m.endpoint === s.endpoint)!.payload);
    expect(to(de)).toMatchObject({ title: 'Wieder da, Ute', body: 'Die blaue Tasse', lang: 'de' });
    expect(to(br)).toMatchObject({ title: 'De volta', body: 'The blue mug', lang: 'pt' });
    expect(to(en)).toMatchObject({ title: 'Back in stock, friend', body: 'The blue mug' });
    expect(to(en)).not.toHaveProperty('lang');
    // Translations never travel as such.
    expect(messages.every((m) => !m.payload.includes('translations'))).toBe(true);
  });

  it('refuses a send whose payload is too large in one of its languages, and a bad language tag', async () => {
    const created = await beckon.api('/v1/campaigns', {
      body: {
        name: 'Long',
        messages: [{ id: 'm', title: 'Short', translations: { fi: { body: 'ä'.repeat(2_999) } } }],
      },
    });
    expect(created.status).toBe(201);
    const { id: campaignId } = (await created.json()) as { id: string };
    const sent = await beckon.api('/v1/notifications', {
      body: { campaignId, target: { externalIds: ['nobody'] } },
    });
    expect(sent.status).toBe(413);
    expect(await sent.text()).toMatch(/3,?993/);

    const badTag = await beckon.api('/v1/campaigns', {
      body: { name: 'Bad', messages: [{ title: 'T', translations: { 'de DE': { title: 'x' } } }] },
    });
    expect(badTag.status).toBe(400);
    expect(badTag.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
