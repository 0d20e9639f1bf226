import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, parseSecretKey, PLAIN_BOX, sealedKeyId } from './secret-box.ts';

describe('createSecretBox', () => {
  it('seals to a versioned string that holds no trace of the secret, and opens it again', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('the-private-key');
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('the-private-key');
    expect(sealedKeyId(sealed)).toBe(box.keyId);
    expect(box.open(sealed)).toBe('the-private-key');
    // A fresh IV every time: equal secrets do not look equal at rest.
    expect(box.seal('the-private-key')).not.toBe(sealed);
  });

  it('returns a legacy plain value as it is', () => {
    expect(createSecretBox(randomBytes(32)).open('plain')).toBe('plain');
  });

  it('refuses a value sealed under another key, naming both key ids', () => {
    const a = createSecretBox(randomBytes(32));
    const b = createSecretBox(randomBytes(32));
    expect(() => b.open(a.seal('x'))).toThrow(new RegExp(`key ${a.keyId}.*key is ${b.keyId}`));
  });

  it('refuses a tampered value, even after opening the genuine one', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal('secret');
    expect(box.open(sealed)).toBe('secret');
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    expect(() => box.open(`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`)).toThrow(/altered/);
  });

  it('opens a resealed secret to its new value (what it keeps opened is per sealed text)', () => {
    const box = createSecretBox(randomBytes(32));
    expect(box.open(box.seal('old'))).toBe('old');
    expect(box.open(box.seal('new'))).toBe('new');
  });

  it('will not open a sealed value without a key', () => {
    const sealed = createSecretBox(randomBytes(32)).seal('x');
    expect(() => PLAIN_BOX.open(sealed)).toThrow(/without a key/);
  });
});

describe('parseSecretKey', () => {
  it('takes 32 bytes of base64 or base64url and refuses anything else', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('base64'), 'K')).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'), 'K')).toEqual(key);
    expect(() => parseSecretKey(randomBytes(16).toString('base64'), 'K')).toThrow(/K must be 32/);
    expect(() => parseSecretKey('not a key!', 'K')).toThrow(/K must be 32/);
  });
});
