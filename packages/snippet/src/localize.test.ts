import { describe, expect, it } from 'vitest';
import type { PromptSettings } from '../../server/src/wire.ts';
import { IOS_GUIDANCE, localize, pickTranslation } from './localize.ts';

const prompt = {
  title: 'Get notified',
  body: 'Pick topics',
  allowText: 'Allow',
  dismissText: 'Not now',
  translations: {
    de: { title: 'Benachrichtigungen', allow: 'Erlauben', categories: { deals: 'Angebote' } },
    'pt-BR': { title: 'Receba avisos' },
    pt: { title: 'Receber avisos' },
  },
} as unknown as PromptSettings;

describe('pickTranslation', () => {
  it('prefers an exact tag, then the same language, in the order the visitor ranks them', () => {
    expect(pickTranslation(prompt.translations, ['pt-BR'])?.title).toBe('Receba avisos');
    expect(pickTranslation(prompt.translations, ['pt-PT'])?.title).toBe('Receba avisos');
    expect(pickTranslation(prompt.translations, ['de-AT', 'pt'])?.title).toBe('Benachrichtigungen');
    expect(pickTranslation(prompt.translations, ['fr', 'PT'])?.title).toBe('Receber avisos');
    expect(pickTranslation(prompt.translations, ['fr', 'en'])).toBeUndefined();
    expect(pickTranslation(undefined, ['de'])).toBeUndefined();
  });
});

describe('localize', () => {
  it('replaces what the translation has and keeps the rest', () => {
    const { prompt: p, categories } = localize(
      prompt,
      [
        { id: 'deals', label: 'Deals' },
        { id: 'news', label: 'News' },
      ],
      ['de'],
    );
    expect(p).toMatchObject({
      title: 'Benachrichtigungen',
      body: 'Pick topics',
      allowText: 'Erlauben',
      dismissText: 'Not now',
    });
    expect(categories.map((c) => c.label)).toEqual(['Angebote', 'News']);
  });

  it('translates the iOS guidance, else keeps the default one', () => {
    const withGuidance = {
      ...prompt,
      translations: { de: { iosGuidance: 'Zum Home-Bildschirm hinzufügen' } },
    };
    expect(localize(withGuidance, [], ['de-DE']).iosGuidance).toBe(
      'Zum Home-Bildschirm hinzufügen',
    );
    expect(localize(withGuidance, [], ['fr']).iosGuidance).toBe(IOS_GUIDANCE);
    expect(localize(prompt, [], ['de']).iosGuidance).toBe(IOS_GUIDANCE);
  });
});
