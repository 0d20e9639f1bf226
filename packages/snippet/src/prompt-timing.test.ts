import { describe, expect, it } from 'vitest';
import type { PromptSettings } from '../../server/src/wire.ts';
import { planPrompt, scrolledPercent, snoozed, type PromptState } from './prompt-timing.ts';

const settings: PromptSettings = {
  title: 'Stay in the loop',
  body: 'Get a notification when we publish.',
  allowText: 'Allow',
  dismissText: 'Not now',
  trigger: 'delay',
  delaySeconds: 5,
  pageViews: 3,
  scrollPercent: 50,
  askAgainAfterDays: 7,
  position: 'bottom',
  colors: { background: '#fff', text: '#111', accent: '#06c' },
};
const NOW = Date.UTC(2025, 4, 14);
const DAY = 864e5;
const fresh: PromptState = { now: NOW, subscribed: false, permission: 'default', pageviews: 1 };

describe('planPrompt', () => {
  it('waits delaySeconds with the delay trigger', () => {
    expect(planPrompt(settings, fresh)).toEqual({ delay: 5000 });
  });

  it('shows on the Nth page view with the pageviews trigger, not before', () => {
    const p = { ...settings, trigger: 'pageviews' as const };
    expect(planPrompt(p, { ...fresh, pageviews: 2 })).toBeUndefined();
    expect(planPrompt(p, { ...fresh, pageviews: 3 })).toEqual({ delay: 0 });
    expect(planPrompt(p, { ...fresh, pageviews: 9 })).toEqual({ delay: 0 });
  });

  it('waits for scrollPercent with the scroll trigger', () => {
    expect(planPrompt({ ...settings, trigger: 'scroll' }, fresh)).toEqual({ scroll: 50 });
  });

  it('never shows on its own with the manual trigger', () => {
    expect(planPrompt({ ...settings, trigger: 'manual' }, fresh)).toBeUndefined();
  });

  it('does not show to a subscriber or after the browser permission was denied', () => {
    expect(planPrompt(settings, { ...fresh, subscribed: true })).toBeUndefined();
    expect(planPrompt(settings, { ...fresh, permission: 'denied' })).toBeUndefined();
  });

  it('does not show within askAgainAfterDays of "Not now", and does after', () => {
    expect(planPrompt(settings, { ...fresh, dismissedAt: NOW - 6 * DAY })).toBeUndefined();
    expect(planPrompt(settings, { ...fresh, dismissedAt: NOW - 7 * DAY })).toEqual({ delay: 5000 });
  });
});

describe('snoozed', () => {
  it('waits 3, then 7, then 30 days for each further "Not now" with a schedule', () => {
    const schedule = [3, 7, 30];
    expect(snoozed(schedule, NOW - 2 * DAY, NOW, 1)).toBe(true);
    expect(snoozed(schedule, NOW - 3 * DAY, NOW, 1)).toBe(false);
    expect(snoozed(schedule, NOW - 6 * DAY, NOW, 2)).toBe(true);
    expect(snoozed(schedule, NOW - 7 * DAY, NOW, 2)).toBe(false);
    expect(snoozed(schedule, NOW - 29 * DAY, NOW, 3)).toBe(true);
    expect(snoozed(schedule, NOW - 29 * DAY, NOW, 9)).toBe(true);
    expect(snoozed(schedule, NOW - 30 * DAY, NOW, 9)).toBe(false);
  });

  it('is false without a dismissal and with askAgainAfterDays 0', () => {
    expect(snoozed(7, undefined, NOW)).toBe(false);
    expect(snoozed(0, NOW - 1, NOW)).toBe(false);
    expect(snoozed(1, NOW - 1, NOW)).toBe(true);
  });
});

describe('scrolledPercent', () => {
  it('measures the bottom of the viewport against the page height', () => {
    expect(scrolledPercent(0, 500, 2000)).toBe(25);
    expect(scrolledPercent(500, 500, 2000)).toBe(50);
    expect(scrolledPercent(0, 800, 0)).toBe(100);
  });
});
