/** What the snippet's own <script> tag says. */
export interface ScriptConfig {
  site: string;
  /** API base URL without a trailing slash. */
  api: string;
  /** The worker URL to register, with `site` and `api` appended. */
  sw: string;
  /** `data-consent="required"`: hold tracking until `beckon('consent', true)`. */
  gated: boolean;
  /** Page views on client-side navigations too (single-page apps); `data-spa="off"` stops it. */
  spa: boolean;
}

/**
 * Reads `data-site`, `data-api`, `data-sw`, `data-consent` and `data-spa` (umami's tracker does the same).
 * Answers `undefined` without a site key.
 *
 * @example readScriptConfig(script.dataset, script.src, location.href)
 */
export function readScriptConfig(
  data: { [key: string]: string | undefined },
  src: string,
  pageUrl: string,
): ScriptConfig | undefined {
  const site = data.site;
  if (!site) return undefined;
  const api = (data.api || new URL(src, pageUrl).origin).replace(/\/+$/, '');
  const sw = data.sw || '/beckon-sw.js';
  return {
    site,
    api,
    sw: `${sw}${sw.includes('?') ? '&' : '?'}site=${encodeURIComponent(site)}&api=${encodeURIComponent(api)}`,
    gated: data.consent == 'required',
    spa: data.spa != 'off',
  };
}
