import { describe, expect, it } from 'vitest';
import { readScriptConfig } from './script-config.ts';

const PAGE = 'https://shop.example/products/1';

describe('readScriptConfig', () => {
  it("defaults the API to the script's origin and the worker to /beckon-sw.js", () => {
    expect(readScriptConfig({ site: 'pk_1' }, 'https://push.example:8787/beckon.js', PAGE)).toEqual(
      {
        site: 'pk_1',
        api: 'https://push.example:8787',
        sw: '/beckon-sw.js?site=pk_1&api=https%3A%2F%2Fpush.example%3A8787',
        gated: false,
        spa: true,
      },
    );
  });

  it('takes data-api without its trailing slash, data-sw, data-consent and data-spa', () => {
    const cfg = readScriptConfig(
      {
        site: 'pk 2',
        api: 'https://api.example/push/',
        sw: '/sw.js?v=3',
        consent: 'required',
        spa: 'off',
      },
      'https://cdn.example/beckon.js',
      PAGE,
    );
    expect(cfg).toEqual({
      site: 'pk 2',
      api: 'https://api.example/push',
      sw: '/sw.js?v=3&site=pk%202&api=https%3A%2F%2Fapi.example%2Fpush',
      gated: true,
      spa: false,
    });
  });

  it('answers nothing without data-site', () => {
    expect(readScriptConfig({}, 'https://push.example/beckon.js', PAGE)).toBeUndefined();
  });
});
