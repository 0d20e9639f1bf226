/** The parameter a declarative push puts on its `navigate` URL (API.md). */
const CLICK_PARAM = 'bk_d';

/**
 * A notification that Safari showed without running our worker (Declarative Web Push) opens
 * its `navigate` URL, which names the delivery in `bk_d`: that visit is the click. Answers the
 * delivery id and takes the parameter out of the address bar (`replaceState`), so a reload, a
 * bookmark or a shared link does not count again and analytics see the clean URL.
 *
 * @example const deliveryId = takeLandingClick(); if (deliveryId) api.receipt({ deliveryId, kind: 'clicked' });
 */
export function takeLandingClick(): string | undefined {
  const url = new URL(location.href);
  const deliveryId = url.searchParams.get(CLICK_PARAM);
  if (!deliveryId) return undefined;
  url.searchParams.delete(CLICK_PARAM);
  history.replaceState(history.state, '', url.href);
  // Our delivery ids are short tokens; anything else is not ours to report.
  return /^[\w-]{1,128}$/.test(deliveryId) ? deliveryId : undefined;
}
