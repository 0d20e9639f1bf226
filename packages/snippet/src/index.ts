/**
 * beckon.js — the embeddable snippet (one IIFE).
 *
 *     <script async src="https://BECKON_HOST/beckon.js" data-site="SITE_KEY"></script>
 */
import { boot } from './boot.ts';
import { readScriptConfig } from './script-config.ts';

try {
  // currentScript is only set while this file first runs, so it is read right here.
  const script = (document.currentScript ||
    document.querySelector('script[data-site][src*="beckon"]')) as HTMLScriptElement | null;
  const cfg = script && readScriptConfig(script.dataset, script.src, location.href);
  if (cfg) boot(cfg);
} catch {
  // Never break the host page.
}
