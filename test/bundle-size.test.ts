import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/** The size budget of the browser files (issue 3), checked on every CI run. */
const BUDGETS = [
  { file: '../packages/snippet/dist/beckon.js', gzipMax: 6 * 1024 },
  { file: '../packages/service-worker/dist/beckon-sw.js', gzipMax: 5 * 1024 },
];

describe('browser bundle sizes', () => {
  it.each(BUDGETS)(
    '$file stays within $gzipMax bytes gzipped and loads as a classic script',
    ({ file, gzipMax }) => {
      const source = readFileSync(new URL(file, import.meta.url));
      const gzipped = gzipSync(source, { level: 9 }).length;
      expect(gzipped).toBeLessThanOrEqual(gzipMax);
      // A top-level import/export would make a classic <script> or importScripts() fail.
      expect(source.toString()).not.toMatch(/^(import|export)\s/m);
    },
  );
});

/**
 * The dashboard (issue 12): what the sign-in page and every page without a chart load (the
 * app's entry), and everything including uPlot, which loads with the first chart.
 */
describe('dashboard bundle size', () => {
  const assets = new URL('../packages/dashboard/dist/assets/', import.meta.url);
  const gzipped = (name: string) =>
    gzipSync(readFileSync(new URL(name, assets)), { level: 9 }).length;
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));

  it('loads at most 30 KB gzipped of script before the first chart', () => {
    const entry = scripts.filter((f) => f.startsWith('main-') || f.startsWith('modulepreload'));
    expect(entry.length).toBeGreaterThan(0);
    expect(entry.reduce((sum, f) => sum + gzipped(f), 0)).toBeLessThanOrEqual(30 * 1024);
  });

  it('loads at most 55 KB gzipped of script in all, uPlot included', () => {
    expect(scripts.some((f) => f.startsWith('uPlot'))).toBe(true);
    const all = scripts.filter((f) => !f.startsWith('preview-'));
    expect(all.reduce((sum, f) => sum + gzipped(f), 0)).toBeLessThanOrEqual(55 * 1024);
  });
});
