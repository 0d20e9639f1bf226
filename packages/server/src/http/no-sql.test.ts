import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HTTP = import.meta.dirname;

/** Every source file of the HTTP layer (tests aside: they may look at tables directly). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the HTTP layer', () => {
  it('holds no SQL, Kysely or transaction: those are named store methods', () => {
    const offenders = sources(HTTP).filter((file) =>
      /from 'kysely'|\.db\.kysely|\.transaction\(|\bsql`/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((f) => f.slice(HTTP.length + 1))).toEqual([]);
  });
});
