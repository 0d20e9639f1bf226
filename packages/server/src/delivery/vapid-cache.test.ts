import webpush from 'web-push';
import { describe, expect, it } from 'vitest';
import { createVapidCache } from './vapid-cache.ts';

describe('vapid cache', () => {
  const keys = { subject: 'mailto:ops@example.com', ...webpush.generateVAPIDKeys() };
  const origin = 'https://push.example';

  it('reuses the header for the same site key and origin, and signs anew for another', () => {
    const cache = createVapidCache(() => 1_000_000);
    const header = cache.header(keys, origin);
    expect(cache.header({ ...keys }, origin)).toBe(header);
    expect(cache.header(keys, 'https://other.example')).not.toBe(header);
    // Same key, new contact: the token names the subject, so it is signed again.
    const other = cache.header({ ...keys, subject: 'mailto:new@example.com' }, origin);
    expect(other).not.toBe(header);
    const claims = JSON.parse(
      Buffer.from(other.split(' ')[1]!.split('.')[1]!, 'base64url').toString(),
    ) as { sub: string; aud: string };
    expect(claims).toMatchObject({ sub: 'mailto:new@example.com', aud: origin });
  });

  it('signs a new header an hour before the cached one expires', () => {
    let now = 1_000_000;
    const cache = createVapidCache(() => now);
    const header = cache.header(keys, origin);
    now += 10 * 3_600_000;
    expect(cache.header(keys, origin)).toBe(header);
    now += 2 * 3_600_000;
    expect(cache.header(keys, origin)).not.toBe(header);
  });
});
