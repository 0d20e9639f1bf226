/**
 * Single-page apps change the URL with `history.pushState`/`replaceState` and back/forward
 * (`popstate`) without loading a page, so the pixel hears of them here (umami's tracker hooks
 * the same calls). `onNavigate` gets the previous URL, the new page's referrer. A change of the
 * hash alone is not a new page, nor is a `replaceState` that keeps the URL (routers stash state
 * that way on load).
 *
 * @example watchNavigations((referrer) => trackPage(referrer));
 */
export function watchNavigations(onNavigate: (referrer: string) => void): void {
  const here = () => location.href.split('#')[0]!;
  let last = here();
  // A task later: routers set the new title after they push the URL.
  const check = () =>
    setTimeout(() => {
      const now = here();
      if (now == last) return;
      const referrer = last;
      last = now;
      onNavigate(referrer);
    });
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      check();
      return result;
    };
  }
  addEventListener('popstate', check);
}
