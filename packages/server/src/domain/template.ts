/**
 * Personalization in every send (API.md "Users, events and audiences (clarified)"):
 * `{{properties.product_name}}` from the event that started a trigger run,
 * `{{traits.first_name}}` from the recipient's user; `{{traits.first_name|there}}` gives a
 * fallback. Unknown or empty values render as the fallback (or nothing), never as "undefined".
 */
const PLACEHOLDER = /\{\{\s*(properties|traits)\.([A-Za-z0-9_$.-]+)\s*(?:\|([^}]*))?\}\}/g;

export interface TemplateData {
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
}

/** How a substituted value is written into its field: as text, or percent-encoded for a URL. */
export type Encoding = 'text' | 'url';

/** Does this text hold a placeholder at all? Plain content skips rendering. */
export function hasPlaceholder(text: string): boolean {
  return text.includes('{{') && new RegExp(PLACEHOLDER.source).test(text);
}

/**
 * Fills the placeholders of one field. The text is scanned once, so a value that itself
 * contains `{{traits.x}}` is written as it is, never rendered again. With `url`, each
 * substituted value (the fallback too) is percent-encoded with encodeURIComponent (RFC 3986
 * §2.1), so a value cannot add a `/`, `?`, `#`, `@` or `:` to the URL's structure: a
 * `"/{{properties.path}}"` with path `/evil.example/login` stays a path on the site,
 * `/%2Fevil.example%2Flogin`.
 *
 * @example render('Hi {{traits.first_name|there}}', { properties: {}, traits: {} }) // 'Hi there'
 */
export function render(text: string, data: TemplateData, encoding: Encoding = 'text'): string {
  return text.replace(
    PLACEHOLDER,
    (_, scope: 'properties' | 'traits', path: string, fallback?: string) => {
      const value = lookup(data[scope], path);
      const out =
        value === undefined || value === null || value === ''
          ? (fallback ?? '').trim()
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
      return encoding === 'url' ? encodeURIComponent(out) : out;
    },
  );
}

function lookup(root: Record<string, unknown>, path: string): unknown {
  let value: unknown = root;
  for (const key of path.split('.')) {
    value =
      value !== null && typeof value === 'object' && Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value;
}
