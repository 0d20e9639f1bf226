import { describe, expect, it } from 'vitest';
import { fromRule, toRule, type RuleNode } from './rule-model.ts';

describe('rule model', () => {
  it('writes every kind of condition in the API condition language', () => {
    const tree: RuleNode = {
      kind: 'group',
      op: 'all',
      children: [
        {
          kind: 'event',
          name: 'Order Completed',
          where: [
            { prop: 'total', op: 'gt', value: '50' },
            { prop: 'currency', op: 'eq', value: 'EUR' },
            { prop: 'tier', op: 'in', value: 'gold, 3' },
          ],
          within: 'P30D',
          countOp: 'gte',
          count: '2',
        },
        { kind: 'trait', where: [{ prop: 'vip', op: 'eq', value: 'true' }] },
        {
          kind: 'group',
          op: 'any',
          children: [
            { kind: 'category', id: 'news' },
            { kind: 'site', id: 'site_1' },
          ],
        },
        { kind: 'not', child: { kind: 'inAudience', id: 'aud_1' } },
      ],
    };
    expect(toRule(tree)).toEqual({
      all: [
        {
          event: {
            name: 'Order Completed',
            where: { total: { gt: 50 }, currency: 'EUR', tier: { in: ['gold', 3] } },
            within: 'P30D',
            count: { gte: 2 },
          },
        },
        { trait: { vip: true } },
        { any: [{ category: 'news' }, { site: 'site_1' }] },
        { not: { inAudience: 'aud_1' } },
      ],
    });
  });

  it('leaves out the default count and empty parts of an event', () => {
    const rule = toRule({
      kind: 'event',
      name: 'Viewed',
      where: [{ prop: '', op: 'eq', value: 'x' }],
      within: ' ',
      countOp: 'gte',
      count: '1',
    });
    expect(rule).toEqual({ event: { name: 'Viewed' } });
  });

  it('reads a stored rule back into the same JSON', () => {
    const stored = {
      any: [
        { event: { name: 'Cart Updated', where: { items: { gte: 2 } }, within: 'P7D' } },
        { not: { trait: { plan: 'free' } } },
        { category: 'deals', site: 'site_2' },
      ],
    };
    expect(toRule(fromRule(stored))).toEqual({
      any: [stored.any[0], stored.any[1], { all: [{ category: 'deals' }, { site: 'site_2' }] }],
    });
  });

  it('puts a single condition under a top-level group for the builder', () => {
    expect(fromRule({ category: 'news' })).toEqual({
      kind: 'group',
      op: 'all',
      children: [{ kind: 'category', id: 'news' }],
    });
  });
});
