import { describe, expect, it } from 'vitest';
import { render } from './template.ts';

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
