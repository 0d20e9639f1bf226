import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64UrlBytes, parseJson, uuid, withTimeout } from './util.ts';

describe('withTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('rejects with the message when the promise never settles', async () => {
    vi.useFakeTimers();
    const pending = withTimeout(new Promise(() => {}), 10_000, 'Push subscription timed out');
    vi.advanceTimersByTime(10_000);
    await expect(pending).rejects.toThrow('Push subscription timed out');
  });

  it('passes a settled value through', async () => {
    await expect(withTimeout(Promise.resolve(7), 10, 'late')).resolves.toBe(7);
  });
});

describe('base64UrlBytes', () => {
  it('decodes unpadded base64url', () => {
    expect([...base64UrlBytes('-_8')]).toEqual([0xfb, 0xff]);
    // 65 bytes, the size of an uncompressed P-256 public key, through btoa and back
    const key = Array.from({ length: 65 }, (_, i) => (i * 37) % 256);
    const encoded = btoa(String.fromCharCode(...key))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect([...base64UrlBytes(encoded)]).toEqual(key);
  });
});

describe('uuid', () => {
  it('makes v4 UUIDs, with and without crypto.randomUUID', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(uuid()).toMatch(v4);
    // An own property shadows Crypto.prototype.randomUUID, as on an http page.
    const c = crypto as { randomUUID?: unknown };
    c.randomUUID = undefined;
    try {
      const ids = new Set(Array.from({ length: 100 }, uuid));
      expect([...ids].every((id) => v4.test(id))).toBe(true);
      expect(ids.size).toBe(100);
    } finally {
      delete c.randomUUID;
    }
    expect(typeof crypto.randomUUID).toBe('function');
  });
});

describe('parseJson', () => {
  it('answers undefined for nothing and for broken JSON', () => {
    expect(parseJson('["a"]')).toEqual(['a']);
    expect(parseJson(null)).toBeUndefined();
    expect(parseJson('{')).toBeUndefined();
  });
});
