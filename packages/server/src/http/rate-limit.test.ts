import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.ts';

describe('createRateLimiter', () => {
  it('allows a burst of perMinute, then refuses with the seconds until a token is back', () => {
    let now = 1_000_000;
    const limiter = createRateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
    now += 10_000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const limiter = createRateLimiter(1, () => 0);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('forgets the least recently used key past maxKeys, not every key', () => {
    const limiter = createRateLimiter(1, () => 0, { maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) limiter.take(key);
    limiter.take('a'); // refused, but used: 'b' is now the oldest
    limiter.take('d');
    expect(limiter.size).toBe(3);
    expect(limiter.take('a').ok).toBe(false); // still limited: a flood did not wipe it
    expect(limiter.take('c').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true); // forgotten, so a fresh bucket
  });

  it('stays bounded under a flood of new keys', () => {
    const limiter = createRateLimiter(5, () => 0, { maxKeys: 1_000 });
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(1_000);
  });

  it('does not limit when perMinute is 0', () => {
    const limiter = createRateLimiter(0, () => 0);
    for (let i = 0; i < 100; i++) expect(limiter.take('a').ok).toBe(true);
  });
});
