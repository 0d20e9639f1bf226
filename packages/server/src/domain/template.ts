/**
 * Personalization in trigger sends: `{{properties.product_name}}` from the event that
 * started the run, `{{traits.first_name}}` from the user; `{{traits.first_name|there}}`
 * gives a fallback. Unknown or empty values render as the fallback (or nothing), never as
 * "undefined".
 */
const PLACEHOLDER = /\{\{\s*(properties|traits)\.([A-Za-z0-9_$.-]+)\s*(?:\|([^}]*))?\}\}/g;

export interface TemplateData {
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
}

export function render(text: string, data: TemplateData): string {
  return text.replace(
    PLACEHOLDER,
    (_, scope: 'properties' | 'traits', path: string, fallback?: string) => {
      let value: unknown = data[scope];
      for (const key of path.split('.')) {
        value =
          value !== null && typeof value === 'object'
            ? (value as Record<string, unknown>)[key]
            : undefined;
      }
      if (value === undefined || value === null || value === '') return (fallback ?? '').trim();
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    },
  );
}

/** Renders every string field of a message-like object. */
export function renderAll<T extends object>(value: T, data: TemplateData): T {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? render(v, data) : v]),
  ) as T;
}
