import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('refuses a push origin without a scheme, naming the entry', () => {
    for (const entry of ['127.0.0.1:9000', 'push.example.com', 'localhost:8080']) {
      expect(() =>
        loadConfig({ BECKON_PUSH_ORIGINS_ALLOW: `https://ok.example, ${entry}` }),
      ).toThrow(new RegExp(`BECKON_PUSH_ORIGINS_ALLOW: "${entry}" is not an origin`));
    }
    expect(() => loadConfig({ BECKON_PUSH_ORIGINS_ALLOW: 'ftp://push.example' })).toThrow(
      /not an origin/,
    );
  });

  it('keeps the origin of each well-formed entry', () => {
    const config = loadConfig({
      BECKON_PUSH_ORIGINS_ALLOW: 'http://127.0.0.1:9000/push, https://push.example.com',
    });
    expect(config.pushOriginsAllow).toEqual(['http://127.0.0.1:9000', 'https://push.example.com']);
  });

  it('ignores X-Forwarded-For and hides /metrics by default', () => {
    const config = loadConfig({});
    expect(config.trustProxy).toBe(0);
    expect(config.metricsToken).toBe(undefined);
  });

  it('reads BECKON_TRUST_PROXY and BECKON_METRICS_TOKEN, refusing a short token', () => {
    const config = loadConfig({
      BECKON_TRUST_PROXY: '2',
      BECKON_METRICS_TOKEN: 'a-long-enough-scrape-token',
    });
    expect(config.trustProxy).toBe(2);
    expect(config.metricsToken).toBe('a-long-enough-scrape-token');
    expect(() => loadConfig({ BECKON_METRICS_TOKEN: 'short' })).toThrow(/BECKON_METRICS_TOKEN/);
    expect(() => loadConfig({ BECKON_TRUST_PROXY: '-1' })).toThrow(/BECKON_TRUST_PROXY/);
  });
});
