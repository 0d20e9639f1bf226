import { InvalidRuleError } from './conditions.ts';

/**
 * ISO-8601 durations as used by `wait` steps and `within` windows: `P30D`, `PT1H`,
 * `P1DT12H`, `PT90S`, `P2W`. Years and months are refused: their length depends on the
 * calendar, and a timer must mean the same thing everywhere.
 */
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    throw new InvalidRuleError(
      `${JSON.stringify(text).slice(0, 60)} is not an ISO-8601 duration such as PT1H or P30D (years and months are not allowed)`,
    );
  }
  const [, w, d, h, min, s] = m.map((part) => (part === undefined ? 0 : Number(part)));
  return ((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000;
}
