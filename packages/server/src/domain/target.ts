/**
 * Who a notification goes to. Every selector present narrows the workspace's subscribers
 * (they combine with AND); `all: true` is the explicit "everyone". Dates are epoch ms.
 */
export interface Target {
  all?: boolean;
  externalIds?: string[];
  subscriberIds?: string[];
  audiences?: { include?: string[]; exclude?: string[] };
  categories?: string[];
  siteIds?: string[];
  subscribedBetween?: { from?: number; to?: number };
}

/** True when the target names at least one selector, as API.md requires. */
export function namesASelector(target: Target): boolean {
  return (
    target.all === true ||
    target.externalIds !== undefined ||
    target.subscriberIds !== undefined ||
    target.audiences !== undefined ||
    target.categories !== undefined ||
    target.siteIds !== undefined ||
    target.subscribedBetween !== undefined
  );
}
