import { describe, expect, it } from 'vitest';
import { csvIds } from './csv-ids.ts';

describe('csvIds', () => {
  it('reads the first column, skipping a header, blanks and repeats', () => {
    expect(csvIds('external_id,email\r\nu1,a@x\n\nu2,b@x\nu1,c@x\n')).toEqual(['u1', 'u2']);
  });

  it('unquotes quoted cells, including doubled quotes and commas', () => {
    expect(csvIds('"a,1"\n"say ""hi"""\n')).toEqual(['a,1', 'say "hi"']);
  });

  it('keeps a first row that is an id rather than a header', () => {
    expect(csvIds('u9\nu10')).toEqual(['u9', 'u10']);
  });
});
