import type { PromptSettings } from '../wire.ts';

export const DEFAULT_PROMPT: PromptSettings = {
  title: 'Get notified',
  body: 'Choose the topics you care about. You can change them at any time.',
  allowText: 'Allow',
  dismissText: 'Not now',
  trigger: 'delay',
  delaySeconds: 3,
  pageViews: 1,
  scrollPercent: 50,
  // Ask less and less often: after the first "Not now" 3 days, then 7, then every 30.
  askAgainAfterDays: [3, 7, 30],
  saveText: 'Save',
  unsubscribeText: 'Turn off notifications',
  position: 'bottom',
  colors: { background: '#ffffff', text: '#1f2933', accent: '#2563eb' },
};

/** Fills what a site's settings leave out; the stored prompt is always complete. */
export function completePrompt(
  partial: Partial<Omit<PromptSettings, 'colors'>> & { colors?: Partial<PromptSettings['colors']> },
  base: PromptSettings = DEFAULT_PROMPT,
): PromptSettings {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return { ...base, ...defined, colors: { ...base.colors, ...stripUndefined(partial.colors) } };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
