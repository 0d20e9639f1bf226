/**
 * Where this page runs on an iPhone or iPad. Push exists there only for web apps added to the
 * Home Screen: in a Safari tab (or CriOS/FxiOS, WebKit too) a prompt cannot work.
 * - `tab`: iOS/iPadOS browser tab; show "Add to Home Screen" guidance instead of a prompt.
 * - `app`: a Home Screen web app (`navigator.standalone` or `display-mode: standalone`).
 * - `undefined`: not iOS/iPadOS.
 *
 * iPadOS in desktop mode (the default) reports a Mac UA; only its touch points give it away
 * (a Mac has none).
 *
 * @example iosMode(navigator.userAgent, navigator.maxTouchPoints, false) // 'tab' on an iPhone
 */
export function iosMode(
  userAgent: string,
  maxTouchPoints: number,
  standalone: boolean,
): 'tab' | 'app' | undefined {
  const ios =
    /\b(iPhone|iPad|iPod)\b/.test(userAgent) ||
    (/\bMacintosh\b/.test(userAgent) && maxTouchPoints > 1);
  if (!ios) return undefined;
  return standalone ? 'app' : 'tab';
}

/** This page's mode, read from the browser. */
export const currentIosMode = () =>
  iosMode(
    navigator.userAgent,
    navigator.maxTouchPoints || 0,
    !!(navigator as { standalone?: boolean }).standalone ||
      !!window.matchMedia?.('(display-mode: standalone)').matches,
  );
