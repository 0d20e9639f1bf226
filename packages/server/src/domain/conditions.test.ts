import { describe, expect, it } from 'vitest';
import { matches, parseWhere } from './conditions.ts';

const check = (where: unknown, props: Record<string, unknown>) => matches(parseWhere(where), props);

describe('where conditions', () => {
  it('treats a plain value as equality and an array as "in"', () => {
    expect(check({ category: 'shoes' }, { category: 'shoes' })).toBe(true);
    expect(check({ category: 'shoes' }, { category: 'hats' })).toBe(false);
    expect(check({ size: [40, 41] }, { size: 41 })).toBe(true);
  });

  it('supports every operator', () => {
    const props = { value: 42, name: 'Blue shoes', tags: ['sale', 'new'], empty: null };
    expect(check({ value: { gt: 40 } }, props)).toBe(true);
    expect(check({ value: { gte: 42, lt: 43 } }, props)).toBe(true);
    expect(check({ value: { lte: 41 } }, props)).toBe(false);
    expect(check({ value: { ne: 42 } }, props)).toBe(false);
    expect(check({ name: { contains: 'shoe' } }, props)).toBe(true);
    expect(check({ tags: { contains: 'sale' } }, props)).toBe(true);
    expect(check({ tags: { contains: 'old' } }, props)).toBe(false);
    expect(check({ value: { in: [1, 42] } }, props)).toBe(true);
    expect(check({ missing: { exists: false }, value: { exists: true } }, props)).toBe(true);
    expect(check({ empty: { exists: true } }, props)).toBe(false);
  });

  it('never compares a string with a number by order', () => {
    expect(check({ value: { gt: 5 } }, { value: '10' })).toBe(false);
  });

  it('combines with all, any and not', () => {
    const where = {
      any: [{ plan: 'pro' }, { all: [{ plan: 'free' }, { not: { country: 'DE' } }] }],
    };
    expect(check(where, { plan: 'pro' })).toBe(true);
    expect(check(where, { plan: 'free', country: 'FR' })).toBe(true);
    expect(check(where, { plan: 'free', country: 'DE' })).toBe(false);
  });

  it('names the bad part of an invalid condition', () => {
    expect(() => parseWhere({ value: { between: [1, 2] } })).toThrow(/unknown operator between/);
    expect(() => parseWhere({ any: {} })).toThrow(/where.any must be an array/);
    expect(() => parseWhere('x')).toThrow(/must be an object/);
  });
});
