/** A site's or campaign's caps: at most this many pushes to one subscriber per rolling window. */
export interface Capping {
  perHour?: number;
  perDay?: number;
}

/** Rolling windows of the caps (API.md "Capping"). */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * The most pushes one subscriber may have had in each rolling window for a push to go ahead;
 * null: no limit. Site caps count every push to the subscriber, campaign caps only that
 * campaign's.
 */
export interface CapLimits {
  siteHour: number | null;
  siteDay: number | null;
  campaignHour: number | null;
  campaignDay: number | null;
}

/**
 * The caps that apply to one push, or null when nothing limits it (no caps configured, or the
 * notification says `ignoreCapping`): such a push is still logged, so it counts against later ones.
 *
 * @example capLimits({ perDay: 5 }, null, false) // { siteDay: 5, siteHour: null, … }
 */
export function capLimits(
  site: Capping,
  campaign: Capping | null,
  ignoreCapping: boolean,
): CapLimits | null {
  if (ignoreCapping) return null;
  const limits: CapLimits = {
    siteHour: site.perHour ?? null,
    siteDay: site.perDay ?? null,
    campaignHour: campaign?.perHour ?? null,
    campaignDay: campaign?.perDay ?? null,
  };
  return Object.values(limits).some((n) => n !== null) ? limits : null;
}
