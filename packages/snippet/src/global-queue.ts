/**
 * The page's `window.beckon`: first the stub the site pastes (analytics.js style),
 *
 *     window.beckon = window.beckon || function(){(beckon.q = beckon.q || []).push(arguments)}
 *
 * then the real function. `l` marks a loaded copy so a second <script> leaves it alone.
 */
export interface BeckonGlobal {
  (...args: unknown[]): void;
  q?: ArrayLike<unknown>[];
  l?: 1;
}

/**
 * Replaces the stub with a function that calls `run`, then replays the calls the stub queued,
 * in order. Answers false, changing nothing, when a loaded copy already owns the global.
 *
 * @example installGlobal(window, (args) => dispatch(args))
 */
export function installGlobal(win: object, run: (args: unknown[]) => void): boolean {
  const w = win as { beckon?: unknown };
  // Anything but a function (say, the element of a `<div id="beckon">`) is not ours to keep.
  const stub = typeof w.beckon == 'function' ? (w.beckon as BeckonGlobal) : undefined;
  if (stub?.l) return false;
  const real: BeckonGlobal = (...args) => run(args);
  real.l = 1;
  w.beckon = real;
  for (const args of Array.from(stub?.q || [])) run(Array.from(args));
  return true;
}
