import type { NotificationContent } from './content.ts';
import type { NotificationAction } from '../wire.ts';
import { hasPlaceholder, render, type TemplateData } from './template.ts';

/**
 * Safe rendering (API.md "Safe rendering"): what one delivery shows, from the notification's
 * content, the recipient's template data and the origins of the recipient's site. Pure.
 */

/** Rendered text is cut to these many characters (API.md "Safe rendering"). */
export const MAX_TITLE_CHARS = 200;
export const MAX_BODY_CHARS = 1000;

export const UNSAFE_URL = 'unsafe url';

export type Rendered =
  { ok: true; content: NotificationContent } | { ok: false; reason: typeof UNSAFE_URL };

/** Does any field of this content hold a placeholder? Plain content takes the fast path. */
export function isTemplated(content: NotificationContent): boolean {
  return fields(content).some((text) => hasPlaceholder(text));
}

/**
 * Renders every text and URL field for one recipient and checks the URLs.
 *
 * - Text fields (title, body, tag, action titles): placeholders filled, title and body capped.
 * - URL fields: each substituted value is percent-encoded. A rendered `url` or action `url`
 *   that came from a template must be a path or an http(s) URL on one of `origins` (the
 *   recipient's site), since its host would otherwise be the sender's data; a literal one was
 *   checked when saved and only needs to be http(s) or a path (older rows included). Icons and
 *   images may live on any http(s) host (a CDN). Anything else fails the send: `unsafe url`.
 *
 * @example
 * renderContent({ title: 'Hi', body: '', url: '/{{properties.path}}' },
 *   { properties: { path: '/evil.example' }, traits: {} }, ['https://shop.example'])
 * // { ok: true, content: { title: 'Hi', body: '', url: '/%2Fevil.example' } }
 */
export function renderContent(
  content: NotificationContent,
  data: TemplateData,
  origins: readonly string[],
): Rendered {
  const out: NotificationContent = {
    ...content,
    title: cap(render(content.title, data), MAX_TITLE_CHARS),
    body: cap(render(content.body ?? '', data), MAX_BODY_CHARS),
  };
  if (content.tag !== undefined) out.tag = render(content.tag, data);
  let safe = true;
  const url = (value: string, scope: 'site' | 'any') => {
    const rendered = render(value, data, 'url');
    const allowed = hasPlaceholder(value) && scope === 'site' ? origins : null;
    if (!isSafeUrl(rendered, allowed)) safe = false;
    return rendered;
  };
  if (content.url !== undefined) out.url = url(content.url, 'site');
  for (const key of ['icon', 'image', 'badge'] as const) {
    const value = content[key];
    if (value !== undefined) out[key] = url(value, 'any');
  }
  if (content.actions) {
    out.actions = content.actions.map((a): NotificationAction => ({
      ...a,
      title: render(a.title, data),
      url: url(a.url, 'site'),
    }));
  }
  return safe ? { ok: true, content: out } : { ok: false, reason: UNSAFE_URL };
}

/**
 * A URL the service worker may open: a path (one leading `/`, never `//` — a
 * scheme-relative URL, RFC 3986 §4.2 — and no `\`, which WHATWG URL parsing treats as `/`),
 * or an absolute `http:`/`https:` URL, on one of `origins` when they are given. Control
 * characters and spaces are refused outright: the URL parser drops tabs and newlines
 * (`"/\t/evil.example"` would become `//evil.example`).
 */
export function isSafeUrl(url: string, origins: readonly string[] | null): boolean {
  if (url.length === 0 || /[\u0000-\u0020\u007f\\]/.test(url)) return false;
  if (url.startsWith('/')) {
    if (url.startsWith('//')) return false;
    // Belt and braces: resolving the path against a base must not leave that base's origin.
    return new URL(url, 'https://base.invalid').origin === 'https://base.invalid';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  return origins === null || origins.includes(parsed.origin);
}

/** Cuts text to `max` characters (code points, so no emoji is split in half). */
export function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function fields(content: NotificationContent): string[] {
  const out = [content.title, content.body ?? '', content.tag ?? ''];
  for (const key of ['url', 'icon', 'image', 'badge'] as const) out.push(content[key] ?? '');
  for (const a of content.actions ?? []) out.push(a.title, a.url);
  for (const t of Object.values(content.translations ?? {})) out.push(t.title ?? '', t.body ?? '');
  return out;
}
