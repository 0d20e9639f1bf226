import type { PromptSettings } from '../../server/src/wire.ts';

export interface PromptState {
  now: number;
  /** When the visitor last chose "Not now" (ms since the epoch). */
  dismissedAt?: number;
  /** How many times they have chosen "Not now" (1 after the first). */
  dismissals?: number;
  /** A stored subscriber id and notification permission granted. */
  subscribed: boolean;
  permission: NotificationPermission;
  /** Page views counted so far, this one included. */
  pageviews: number;
}

/** Show after `delay` ms, or once the visitor has scrolled `scroll` percent of the page. */
export type PromptPlan = { delay: number } | { scroll: number };

const DAY = 864e5;

/**
 * True while a "Not now" still holds. With a schedule (`[3, 7, 30]`) the n-th dismissal waits
 * the n-th entry and the last one repeats: a visitor who keeps saying no is asked ever less.
 */
export function snoozed(
  askAgainAfterDays: number | number[],
  dismissedAt: number | undefined,
  now: number,
  dismissals = 1,
): boolean {
  const days = Array.isArray(askAgainAfterDays)
    ? askAgainAfterDays[Math.min(Math.max(dismissals, 1), askAgainAfterDays.length) - 1]!
    : askAgainAfterDays;
  return dismissedAt != null && now - dismissedAt < days * DAY;
}

/**
 * Whether and when the soft prompt shows on its own. `manual` never does; nor does it for a
 * subscriber, after the browser's permission was denied (the dialog could not follow it), or
 * within `askAgainAfterDays` of a "Not now". `beckon('prompt')` bypasses all of this.
 *
 * @example planPrompt({ ...settings, trigger: 'delay', delaySeconds: 5 }, state) // { delay: 5000 }
 */
export function planPrompt(p: PromptSettings, s: PromptState): PromptPlan | undefined {
  if (p.trigger == 'manual' || s.subscribed || s.permission == 'denied') return undefined;
  if (snoozed(p.askAgainAfterDays, s.dismissedAt, s.now, s.dismissals)) return undefined;
  if (p.trigger == 'scroll') return { scroll: p.scrollPercent };
  if (p.trigger == 'pageviews') return s.pageviews >= p.pageViews ? { delay: 0 } : undefined;
  return { delay: Math.max(0, p.delaySeconds) * 1e3 };
}

/** How far down the page the bottom of the viewport is, in percent. */
export const scrolledPercent = (scrollY: number, viewportHeight: number, pageHeight: number) =>
  pageHeight > 0 ? ((scrollY + viewportHeight) / pageHeight) * 100 : 100;
