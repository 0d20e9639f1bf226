import { describe, expect, it } from 'vitest';
import { hasPlaceholder, render } from './template.ts';

describe('render', () => {
  const data = {
    properties: { product_name: 'Blue hat', price: 12.5, item: { sku: 'H1' } },
    traits: { first_name: 'Ada' },
  };

  it('fills properties and traits, nested paths too', () => {
    expect(
      render(
        '{{traits.first_name}}, your {{properties.product_name}} ({{ properties.price }} €, {{properties.item.sku}})',
        data,
      ),
    ).toBe('Ada, your Blue hat (12.5 €, H1)');
  });

  it('uses the fallback or nothing for missing values', () => {
    expect(render('Hi {{traits.nickname|there}}!', data)).toBe('Hi there!');
    expect(render('Hi {{traits.nickname}}!', data)).toBe('Hi !');
  });

  it('leaves other braces alone', () => {
    expect(render('{{user.name}} {x}', data)).toBe('{{user.name}} {x}');
  });
});

describe('render into a URL', () => {
  const data = { properties: { path: '/evil.example/login', q: 'a b&c=d#x' }, traits: {} };

  it('percent-encodes each substituted value, so a value cannot reshape the URL', () => {
    expect(render('/{{properties.path}}', data, 'url')).toBe('/%2Fevil.example%2Flogin');
    expect(render('https://shop.example/s?q={{properties.q}}', data, 'url')).toBe(
      'https://shop.example/s?q=a%20b%26c%3Dd%23x',
    );
  });

  it('encodes the fallback too, and leaves the literal parts of the template alone', () => {
    expect(render('/p/{{properties.none|a/b}}?x=1', data, 'url')).toBe('/p/a%2Fb?x=1');
  });
});

describe('render safety', () => {
  it('never renders a value twice, so a value cannot pull in other traits', () => {
    const data = { properties: { name: '{{traits.secret}}' }, traits: { secret: 's3cr3t' } };
    expect(render('Hi {{properties.name}}', data)).toBe('Hi {{traits.secret}}');
  });

  it("reads only the data's own keys, not the prototype's", () => {
    const data = { properties: {}, traits: {} };
    expect(render('[{{traits.constructor}}][{{properties.__proto__|x}}]', data)).toBe('[][x]');
  });

  it('tells placeholder text from other braces', () => {
    expect(hasPlaceholder('Hi {{traits.first_name|there}}')).toBe(true);
    expect(hasPlaceholder('{{user.name}} {x}')).toBe(false);
    expect(hasPlaceholder('plain')).toBe(false);
  });
});
