import { readFileSync } from 'node:fs';
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
