import { describe, expect, it } from 'vitest';
import { contentOverrideSchema, contentUrl, messageSchema } from './schemas.ts';

describe('contentUrl', () => {
  it('accepts http(s) URLs, paths, and templates that start with one', () => {
    for (const url of [
      'https://shop.example/cart',
      'http://localhost:8080/',
      '/cart?x=1',
      '/p/{{properties.id}}',
      'https://shop.example/p/{{properties.id}}?ref={{traits.ref|x}}',
    ]) {
      expect(contentUrl.safeParse(url).success, url).toBe(true);
    }
  });

  it('refuses other schemes, scheme-relative URLs and templates that supply the scheme or host', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,x',
      '//evil.example/',
      '/\\evil.example/',
      'cart',
      '{{properties.url}}',
      'javascript:{{properties.code}}',
      'https://{{properties.host}}/',
      '//{{properties.host}}/',
    ]) {
      expect(contentUrl.safeParse(url).success, url).toBe(false);
    }
  });
});

describe('one content override for direct and trigger sends', () => {
  it('names the failing field in its path', () => {
    const result = contentOverrideSchema.safeParse({ url: 'javascript:alert(1)' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['url']);
  });

  it('refuses unknown fields and a javascript: action URL in a campaign message', () => {
    expect(contentOverrideSchema.safeParse({ onclick: 'x' }).success).toBe(false);
    const message = messageSchema.safeParse({
      title: 'T',
      actions: [{ action: 'a', title: 'A', url: 'javascript:alert(1)' }],
    });
    expect(message.error?.issues[0]?.path).toEqual(['actions', 0, 'url']);
  });
});
