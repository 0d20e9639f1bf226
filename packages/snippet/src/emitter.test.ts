import { describe, expect, it } from 'vitest';
import { createEmitter } from './emitter.ts';

describe('createEmitter', () => {
  it("calls every listener, even after one throws, and keeps the host's error to itself", () => {
    const events = createEmitter();
    const seen: unknown[] = [];
    events.on('subscribed', () => {
      throw Error('site bug');
    });
    events.on('subscribed', (data) => seen.push(data));
    events.on('dismissed', () => seen.push('wrong event'));

    expect(() => events.emit('subscribed', { subscriberId: 's1' })).not.toThrow();
    expect(seen).toEqual([{ subscriberId: 's1' }]);
  });
});
