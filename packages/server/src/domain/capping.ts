import type { Capping } from '../storage/sites.ts';

/** Rolling windows of the caps (API.md "Capping"). */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface CapRule {
  /** null: count every push to the subscriber (site caps); else that campaign's only. */
  campaignId: string | null;
  windowMs: number;
  max: number;
}

/** The caps that apply to one push: the site's over all pushes, the campaign's over its own. */
export function capRules(site: Capping, campaign: Capping | null, campaignId: string): CapRule[] {
  const rules: CapRule[] = [];
  const add = (caps: Capping | null, scope: string | null) => {
    if (caps?.perHour) rules.push({ campaignId: scope, windowMs: HOUR_MS, max: caps.perHour });
    if (caps?.perDay) rules.push({ campaignId: scope, windowMs: DAY_MS, max: caps.perDay });
  };
  add(site, null);
  add(campaign, campaignId);
  return rules;
}
