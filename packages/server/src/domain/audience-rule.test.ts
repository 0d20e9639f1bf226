import { describe, expect, it } from 'vitest';
import { audienceReferences, parseRule } from './audience-rule.ts';
import { InvalidRuleError } from './conditions.ts';

/** The path and reason a rule is refused with, or undefined when it is accepted. */
function refusal(rule: unknown) {
  try {
    parseRule(rule);
  } catch (error) {
    if (error instanceof InvalidRuleError) return { path: error.path, reason: error.reason };
    throw error;
  }
  return undefined;
}

describe('audience rules checked when saved', () => {
  it('refuses a where its SQL cannot run, naming rule.event.where.<property>.<operator>', () => {
    expect(refusal({ event: { name: 'Paid', where: { plan: { contains: true } } } })).toEqual({
      path: 'rule.event.where.plan.contains',
      reason: 'must be a string or a number',
    });
    expect(refusal({ trait: { age: { gt: [1] } } })?.path).toBe('rule.trait.age.gt');
    expect(refusal({ all: [{ category: 'x' }, { trait: { tags: { in: 'x' } } }] })?.path).toBe(
      'rule.all.1.trait.tags.in',
    );
  });

  it('refuses a within that is not an ISO duration and a malformed count', () => {
    expect(refusal({ event: { name: 'Paid', within: '30 days' } })?.path).toBe('rule.event.within');
    expect(refusal({ event: { name: 'Paid', within: 'P1M' } })?.path).toBe('rule.event.within');
    expect(refusal({ event: { name: 'Paid', within: 30 } })?.path).toBe('rule.event.within');
    expect(refusal({ event: { name: 'Paid', count: 2 } })?.path).toBe('rule.event.count');
    expect(refusal({ event: { name: 'Paid', count: { gte: 1.5 } } })?.path).toBe(
      'rule.event.count.gte',
    );
    expect(refusal({ event: { name: 'Paid', count: { between: 2 } } })?.path).toBe(
      'rule.event.count.between',
    );
    expect(refusal({ event: { where: {} } })?.path).toBe('rule.event.name');
  });

  it('refuses an unknown rule key, an empty rule and an inAudience that is not one id', () => {
    expect(refusal({ nope: 1 })?.path).toBe('rule.nope');
    expect(refusal({})?.path).toBe('rule');
    expect(refusal({ inAudience: ['aud_a', 'aud_b'] })?.path).toBe('rule.inAudience');
    expect(refusal({ inAudience: 7 })?.path).toBe('rule.inAudience');
    expect(refusal({ any: [] })?.path).toBe('rule.any');
  });

  it('lists every inAudience with its path, for naming a missing one', () => {
    const rule = parseRule({ any: [{ inAudience: 'aud_a' }, { not: { inAudience: 'aud_b' } }] });
    expect(audienceReferences(rule)).toEqual([
      { id: 'aud_a', path: 'rule.any.0.inAudience' },
      { id: 'aud_b', path: 'rule.any.1.not.inAudience' },
    ]);
  });
});
