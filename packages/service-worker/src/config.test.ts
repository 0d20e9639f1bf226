import { describe, expect, it } from 'vitest';
import { readWorkerConfig, siteUrl } from './config.ts';

const ORIGIN = 'https://shop.example';

describe('readWorkerConfig', () => {
  it('reads site and api from the query the snippet registers the worker with', () => {
    const cfg = readWorkerConfig('?site=pk_1&api=https%3A%2F%2Fpush.example%2F', undefined, ORIGIN);
    expect(cfg).toEqual({ site: 'pk_1', api: 'https://push.example' });
    expect(siteUrl(cfg!, 'receipts')).toBe('https://push.example/v1/sites/pk_1/receipts');
  });

  it('falls back to self.BECKON in a worker imported without a query', () => {
    expect(readWorkerConfig('', { site: 'pk_2', api: 'https://push.example' }, ORIGIN)).toEqual({
      site: 'pk_2',
      api: 'https://push.example',
    });
  });

  it("uses the worker's origin without an api, and nothing without a site", () => {
    expect(readWorkerConfig('?site=pk_3', undefined, ORIGIN)).toEqual({
      site: 'pk_3',
      api: ORIGIN,
    });
    expect(readWorkerConfig('', undefined, ORIGIN)).toBeUndefined();
  });
});
