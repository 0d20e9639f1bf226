import { describe, expect, it } from 'vitest';
import {
  cap,
  isSafeUrl,
  isTemplated,
  MAX_BODY_CHARS,
  MAX_TITLE_CHARS,
  renderContent,
} from './safe-content.ts';

const ORIGINS = ['https://shop.example', 'http://localhost:8080'];
const data = (properties: Record<string, unknown> = {}, traits: Record<string, unknown> = {}) => ({
  properties,
  traits,
});

describe('renderContent', () => {
  it('keeps the /{{properties.path}} attack on the site: the value is encoded into a path', () => {
    const rendered = renderContent(
      { title: 'Hi', body: '', url: '/{{properties.path}}' },
      data({ path: '/evil.example/login' }),
      ORIGINS,
    );
    expect(rendered).toEqual({
      ok: true,
      content: { title: 'Hi', body: '', url: '/%2Fevil.example%2Flogin' },
    });
    if (rendered.ok) {
      expect(new URL(rendered.content.url!, 'https://shop.example/').origin).toBe(
        'https://shop.example',
      );
    }
  });

  it('fails the send when a templated URL leaves the site or is not http(s)', () => {
    for (const [url, properties] of [
      ['https://{{properties.host}}/x', { host: 'evil.example' }],
      ['{{properties.url}}', { url: 'https://shop.example/x' }],
      ['{{properties.url}}', { url: 'javascript:alert(1)' }],
      ['javascript:{{properties.x}}', { x: 'alert(1)' }],
      ['https://shop.example.{{properties.tld}}/', { tld: 'evil' }],
    ] as const) {
      const rendered = renderContent({ title: 'T', body: '', url }, data(properties), ORIGINS);
      expect(rendered, url).toEqual({ ok: false, reason: 'unsafe url' });
    }
  });

  it("accepts a templated URL on one of the site's origins, and checks action URLs too", () => {
    const content = {
      title: 'T',
      body: '',
      url: 'https://shop.example/p/{{properties.id}}',
      actions: [{ action: 'a', title: 'See {{properties.id}}', url: '/p/{{properties.id}}' }],
    };
    expect(renderContent(content, data({ id: 'x y' }), ORIGINS)).toEqual({
      ok: true,
      content: {
        ...content,
        url: 'https://shop.example/p/x%20y',
        actions: [{ action: 'a', title: 'See x y', url: '/p/x%20y' }],
      },
    });
    const evil = { ...content, actions: [{ action: 'a', title: 'A', url: '{{properties.u}}' }] };
    expect(renderContent(evil, data({ id: 1, u: '//evil.example' }), ORIGINS).ok).toBe(false);
  });

  it('refuses every URL on a site without origins unless it is a path', () => {
    const content = { title: 'T', body: '', url: 'https://shop.example/{{properties.p}}' };
    expect(renderContent(content, data({ p: 'x' }), []).ok).toBe(false);
    expect(renderContent({ ...content, url: '/{{properties.p}}' }, data({ p: 'x' }), []).ok).toBe(
      true,
    );
  });

  it('lets a literal URL go anywhere http(s), but never a stored javascript: one', () => {
    const content = { title: 'T', body: '', url: 'https://partner.example/offer' };
    expect(renderContent(content, data(), ORIGINS).ok).toBe(true);
    expect(renderContent({ ...content, url: 'javascript:alert(1)' }, data(), ORIGINS)).toEqual({
      ok: false,
      reason: 'unsafe url',
    });
    expect(
      renderContent({ ...content, icon: 'data:image/png;base64,AAAA' }, data(), ORIGINS).ok,
    ).toBe(false);
  });

  it('lets templated icons and images come from any http(s) host', () => {
    const content = { title: 'T', body: '', icon: 'https://cdn.example/{{properties.img}}' };
    expect(renderContent(content, data({ img: 'a.png' }), ORIGINS)).toMatchObject({
      ok: true,
      content: { icon: 'https://cdn.example/a.png' },
    });
  });

  it('caps the rendered title and body', () => {
    const long = 'x'.repeat(5000);
    const rendered = renderContent(
      { title: '{{properties.t}}', body: '{{traits.b}}' },
      data({ t: long }, { b: long }),
      ORIGINS,
    );
    expect(rendered.ok && rendered.content.title).toHaveLength(MAX_TITLE_CHARS);
    expect(rendered.ok && rendered.content.body).toHaveLength(MAX_BODY_CHARS);
  });

  it('renders traits with their fallback in text fields', () => {
    const content = { title: 'Hi {{traits.first_name|there}}', body: '{{properties.x}}' };
    expect(renderContent(content, data({}, { first_name: 'Ada' }), ORIGINS)).toMatchObject({
      content: { title: 'Hi Ada', body: '' },
    });
    expect(renderContent(content, data(), ORIGINS)).toMatchObject({
      content: { title: 'Hi there' },
    });
  });
});

describe('isSafeUrl', () => {
  it('accepts paths and http(s) URLs on the given origins', () => {
    expect(isSafeUrl('/cart?x=1#y', ORIGINS)).toBe(true);
    expect(isSafeUrl('https://shop.example/cart', ORIGINS)).toBe(true);
    expect(isSafeUrl('https://SHOP.example:443/cart', ORIGINS)).toBe(true);
    expect(isSafeUrl('http://localhost:8080/', ORIGINS)).toBe(true);
    expect(isSafeUrl('https://anywhere.example/', null)).toBe(true);
  });

  it('refuses scheme-relative, backslash, whitespace tricks and other schemes', () => {
    for (const url of [
      '//evil.example/',
      '/\\evil.example/',
      '/\t/evil.example',
      '/\n/evil.example',
      ' https://shop.example/',
      'https://shop.example@evil.example/',
      'https://shop.example.evil.example/',
      'http://shop.example/',
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,x',
      'relative/path',
      '',
    ]) {
      expect(isSafeUrl(url, ORIGINS), JSON.stringify(url)).toBe(false);
    }
  });
});

describe('cap', () => {
  it('cuts long text without splitting an emoji, ending with an ellipsis', () => {
    expect(cap('abc', 3)).toBe('abc');
    expect(cap('🙂'.repeat(5), 3)).toBe('🙂🙂…');
    expect(cap('🙂🙂', 2)).toBe('🙂🙂');
  });
});

describe('isTemplated', () => {
  it('finds placeholders in any field, action URLs included', () => {
    expect(isTemplated({ title: 'T', body: '' })).toBe(false);
    expect(
      isTemplated({
        title: 'T',
        body: '',
        actions: [{ action: 'a', title: 'A', url: '/{{properties.x}}' }],
      }),
    ).toBe(true);
  });
});
