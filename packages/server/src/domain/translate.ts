import type { NotificationContent } from './content.ts';

/**
 * The message in the subscriber's language: the translation whose tag matches their stored
 * `language` exactly (`pt-BR`), else one of the same language (`pt`, `pt-PT`), else the
 * default text. The result carries no `translations` (they never go on the wire) and names
 * its language in `lang` when a translation was used, so the browser reads it right.
 *
 * @example translated(content, 'de-AT') // content with the `de` title and body, lang 'de'
 */
export function translated(
  content: NotificationContent,
  language: string | null | undefined,
): NotificationContent & { lang?: string } {
  const { translations, ...plain } = content;
  if (!translations || !language) return plain;
  const tags = Object.keys(translations);
  const wanted = language.toLowerCase();
  const base = (tag: string) => tag.toLowerCase().split('-')[0];
  const tag =
    tags.find((t) => t.toLowerCase() === wanted) ?? tags.find((t) => base(t) === base(wanted));
  const t = tag ? translations[tag] : undefined;
  if (!tag || !t) return plain;
  return { ...plain, title: t.title ?? plain.title, body: t.body ?? plain.body, lang: tag };
}

/** Every language version of a message, the default first (for size checks at the API). */
export function everyLanguage(content: NotificationContent): NotificationContent[] {
  const tags = Object.keys(content.translations ?? {});
  return [translated(content, null), ...tags.map((tag) => translated(content, tag))];
}
