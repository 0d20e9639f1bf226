import { describe, expect, it } from 'vitest';
import { newId, newIds } from './ids.ts';

describe('ids', () => {
  it('makes many ids at once in the shape of single ones, all different', () => {
    const ids = newIds('dlv', 500);
    const shape = /^dlv_[0-9a-z]+[0-9a-f]{16}$/;
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(ids.every((id) => shape.test(id))).toBe(true);
    expect(newId('dlv')).toMatch(shape);
    expect(ids[0]?.length).toBe(newId('dlv').length);
  });

  it('makes no ids for a count of zero', () => {
    expect(newIds('dlv', 0)).toEqual([]);
  });
});
