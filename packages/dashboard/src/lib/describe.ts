import type { Step } from './types.ts';

const UNITS: Array<[RegExp, string]> = [
  [/(\d+)Y/, 'year'],
  [/(\d+)W/, 'week'],
  [/(\d+)D/, 'day'],
  [/T.*?(\d+)H/, 'hour'],
  [/T.*?(\d+)M/, 'minute'],
  [/T.*?(\d+)S/, 'second'],
];

/** `PT1H30M` → "1 hour 30 minutes"; anything else is shown as written. */
export function duration(iso: string): string {
  const parts = UNITS.flatMap(([re, unit]) => {
    const n = iso.match(re)?.[1];
    return n ? [`${n} ${unit}${n === '1' ? '' : 's'}`] : [];
  });
  return parts.length > 0 ? parts.join(' ') : iso;
}

export function where(w: Record<string, unknown> | undefined): string {
  if (!w || Object.keys(w).length === 0) return '';
  return ` where ${Object.entries(w)
    .map(
      ([k, v]) =>
        `${k} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : `= ${JSON.stringify(v)}`}`,
    )
    .join(' and ')}`;
}

/** A trigger step as a sentence, with ids replaced by names where the page knows them. */
export function describeStep(step: Step, names: Map<string, string>): string {
  const name = (id: string) => names.get(id) ?? id;
  if ('wait' in step) return `Wait ${duration(step.wait)}`;
  if ('unless' in step) return `Stop if “${step.unless.event}” happens${where(step.unless.where)}`;
  if ('send' in step)
    return `Send ${step.send.messageId ? `message ${step.send.messageId} of ` : ''}campaign “${name(step.send.campaignId)}”`;
  if ('addTo' in step) return `Add to audience “${name(step.addTo)}”`;
  return `Remove from audience “${name(step.removeFrom)}”`;
}
