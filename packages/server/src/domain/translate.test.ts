import { describe, expect, it } from 'vitest';
import { everyLanguage, translated } from './translate.ts';

const content = {
  title: 'Back in stock',
  body: 'The blue mug',
  url: '/mugs',
  translations: {
    de: { title: 'Wieder da', body: 'Die blaue Tasse' },
    'pt-BR': { title: 'De volta' },
  },
};

describe('translated', () => {
  it("picks the subscriber's language: exact tag, then the same language, else the default", () => {
    expect(translated(content, 'de-AT')).toEqual({
      title: 'Wieder da',
      body: 'Die blaue Tasse',
      url: '/mugs',
      lang: 'de',
    });
    expect(translated(content, 'pt-PT')).toEqual({
      title: 'De volta',
      body: 'The blue mug',
      url: '/mugs',
      lang: 'pt-BR',
    });
    expect(translated(content, 'fr')).toEqual({
      title: 'Back in stock',
      body: 'The blue mug',
      url: '/mugs',
    });
    expect(translated(content, null)).not.toHaveProperty('translations');
  });

  it('lists every language version for size checks', () => {
    expect(everyLanguage(content).map((c) => c.title)).toEqual([
      'Back in stock',
      'Wieder da',
      'De volta',
    ]);
  });
});
