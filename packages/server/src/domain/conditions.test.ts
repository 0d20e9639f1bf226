import { describe, expect, it } from 'vitest';
import { InvalidRuleError, matches, parseWhere } from './conditions.ts';

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
    expect(() => parseWhere({ value: { between: [1, 2] } })).toThrow(
      /where.value.between is an unknown operator between/,
    );
    expect(() => parseWhere({ any: {} })).toThrow(/where.any must be an array/);
    expect(() => parseWhere('x')).toThrow(/must be an object/);
  });

  /** The path and reason an invalid `where` is refused with. */
  const refusal = (where: unknown) => {
    try {
      parseWhere(where, 'rule.event.where');
    } catch (error) {
      if (error instanceof InvalidRuleError) return { path: error.path, reason: error.reason };
      throw error;
    }
    return undefined;
  };

  it('refuses an operand SQL cannot compare, at the exact path', () => {
    expect(refusal({ plan: { contains: true } })).toEqual({
      path: 'rule.event.where.plan.contains',
      reason: 'must be a string or a number',
    });
    expect(refusal({ plan: { contains: { a: 1 } } })?.path).toBe('rule.event.where.plan.contains');
    expect(refusal({ plan: { contains: ['a'] } })?.path).toBe('rule.event.where.plan.contains');
    expect(refusal({ plan: { contains: null } })?.path).toBe('rule.event.where.plan.contains');
    expect(refusal({ value: { gt: true } })?.path).toBe('rule.event.where.value.gt');
    expect(refusal({ value: { lte: null } })?.path).toBe('rule.event.where.value.lte');
    expect(refusal({ value: { eq: { nested: 1 } } })?.path).toBe('rule.event.where.value.eq');
    expect(refusal({ value: { ne: [1] } })?.path).toBe('rule.event.where.value.ne');
    expect(refusal({ value: { in: 5 } })?.path).toBe('rule.event.where.value.in');
    expect(refusal({ value: { in: [1, { a: 1 }] } })?.path).toBe('rule.event.where.value.in.1');
    expect(refusal({ value: [1, [2]] })?.path).toBe('rule.event.where.value.1');
    expect(refusal({ value: { exists: 'yes' } })?.path).toBe('rule.event.where.value.exists');
    expect(refusal({ value: { near: 1 } })?.path).toBe('rule.event.where.value.near');
    expect(refusal({ value: {} })?.path).toBe('rule.event.where.value');
    expect(refusal({ any: [{ ok: 1 }, { bad: { contains: false } }] })?.path).toBe(
      'rule.event.where.any.1.bad.contains',
    );
    expect(refusal({ not: { x: { gt: {} } } })?.path).toBe('rule.event.where.not.x.gt');
    expect(refusal({ big: { in: Array.from({ length: 1_001 }, (_, i) => i) } })?.path).toBe(
      'rule.event.where.big.in',
    );
  });

  it('accepts every operand each operator can run with', () => {
    const ok = [
      { plan: 'pro', n: 1, flag: true, gone: null },
      { plan: { contains: 'pr' }, n: { contains: 4 } },
      { n: { gt: 1, lte: 5 }, day: { gte: '2025-01-01T00:00:00Z' } },
      { plan: { in: ['a', 1, true, null] }, tier: [1, 2] },
      { plan: { exists: false }, n: { eq: null, ne: false } },
      { any: [], all: [{ not: { a: 1 } }] },
    ];
    for (const where of ok) expect(refusal(where)).toBeUndefined();
  });
});
