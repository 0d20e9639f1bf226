import { describe, expect, it } from 'vitest';
import {
  findLoop,
  MAX_RUN_ATTEMPTS,
  mayReenter,
  runRetryAt,
  type TriggerDefinition,
} from './trigger.ts';

const entered = (audienceId: string) => ({ event: 'Audience Entered', where: { audienceId } });

describe('findLoop', () => {
  it('finds triggers that feed each other through audiences', () => {
    const a: TriggerDefinition = { on: entered('y'), steps: [{ addTo: 'x' }] };
    const b: TriggerDefinition = { on: entered('x'), steps: [{ removeFrom: 'z' }, { addTo: 'y' }] };
    expect(
      findLoop([
        { id: 'a', def: a },
        { id: 'b', def: b },
      ]),
    ).toEqual(['a', 'b', 'a']);
  });

  it('finds a trigger that feeds itself', () => {
    expect(findLoop([{ id: 'a', def: { on: entered('x'), steps: [{ addTo: 'x' }] } }])).toEqual([
      'a',
      'a',
    ]);
  });

  it('accepts a chain that ends', () => {
    const a: TriggerDefinition = {
      on: { event: 'Cart Updated' },
      steps: [{ wait: 'PT1H' }, { addTo: 'x' }],
    };
    const b: TriggerDefinition = { on: entered('x'), steps: [{ addTo: 'y' }] };
    const c: TriggerDefinition = { on: entered('y'), steps: [{ send: { campaignId: 'c' } }] };
    expect(
      findLoop([
        { id: 'a', def: a },
        { id: 'b', def: b },
        { id: 'c', def: c },
      ]),
    ).toBeNull();
  });
});

describe('mayReenter', () => {
  const day = 86_400_000;
  it('lets a first run in, and applies once / afterDays', () => {
    expect(mayReenter({ once: true }, null, 0)).toBe(true);
    expect(mayReenter({ once: true }, 0, 100 * day)).toBe(false);
    expect(mayReenter({ afterDays: 7 }, 0, 6 * day)).toBe(false);
    expect(mayReenter({ afterDays: 7 }, 0, 7 * day)).toBe(true);
    expect(mayReenter(null, 0, 1)).toBe(true);
  });
});

describe('a trigger run whose step throws', () => {
  it('retries with doubling backoff, then gives up after MAX_RUN_ATTEMPTS', () => {
    expect(runRetryAt(1, 0)).toBe(1_000);
    expect(runRetryAt(2, 0)).toBe(2_000);
    expect(runRetryAt(MAX_RUN_ATTEMPTS - 1, 0)).toBe(2 ** (MAX_RUN_ATTEMPTS - 2) * 1_000);
    expect(runRetryAt(MAX_RUN_ATTEMPTS, 0)).toBeNull();
  });
});
