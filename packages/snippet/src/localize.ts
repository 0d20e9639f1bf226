import type { Category, PromptSettings, PromptTranslation } from '../../server/src/wire.ts';

/**
 * The site's translation that best fits the visitor's languages (`navigator.languages`, in
 * their order of preference): an exact tag first (`pt-BR`), then the same language (`pt`, or
 * `pt-PT` for a `pt-BR` reader), else none — the default texts stay.
 *
 * @example pickTranslation({ de: {...}, fr: {...} }, ['de-AT', 'en']) // the `de` one
 */
export function pickTranslation(
  translations: { [lang: string]: PromptTranslation } | undefined,
  languages: readonly string[],
): PromptTranslation | undefined {
  if (!translations) return undefined;
  const tags = Object.keys(translations);
  const lower = (t: string) => t.toLowerCase();
  const base = (t: string) => lower(t).split('-')[0];
  for (const wanted of languages) {
    const exact = tags.find((t) => lower(t) == lower(wanted));
    const same = exact || tags.find((t) => base(t) == base(wanted));
    if (same) return translations[same];
  }
  return undefined;
}

/** The default "Add to Home Screen" guidance for iOS tabs (translatable as `iosGuidance`). */
export const IOS_GUIDANCE =
  'To get notifications, add this site to your Home Screen: tap Share, then Add to Home Screen.';

/**
 * The prompt's texts, the category labels and the iOS guidance in the visitor's language,
 * where the site has them.
 */
export function localize(
  prompt: PromptSettings,
  categories: Category[],
  languages: readonly string[],
): { prompt: PromptSettings; categories: Category[]; iosGuidance: string } {
  const t = pickTranslation(prompt.translations, languages);
  if (!t) return { prompt, categories, iosGuidance: IOS_GUIDANCE };
  return {
    iosGuidance: t.iosGuidance || IOS_GUIDANCE,
    prompt: {
      ...prompt,
      title: t.title || prompt.title,
      body: t.text ?? prompt.body,
      allowText: t.allow || prompt.allowText,
      dismissText: t.dismiss || prompt.dismissText,
      saveText: t.save || prompt.saveText,
      unsubscribeText: t.unsubscribe || prompt.unsubscribeText,
    },
    categories: categories.map((c) => ({ ...c, label: t.categories?.[c.id] || c.label })),
  };
}
