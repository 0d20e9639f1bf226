import { describe, expect, it } from 'vitest';
import { createIdentity } from './identity.ts';

describe('createIdentity', () => {
  it('names nobody before identify', () => {
    expect(createIdentity().get()).toEqual({});
  });

  it('keeps the userHash beside the externalId it proves', () => {
    const who = createIdentity();
    who.set('user-42', { userHash: 'ab12' });
    expect(who.get()).toEqual({ externalId: 'user-42', userHash: 'ab12' });
  });

  it('drops the previous hash when identify names a user without one', () => {
    const who = createIdentity();
    who.set('user-42', { userHash: 'ab12' });
    who.set(7);
    expect(who.get()).toEqual({ externalId: '7' });
  });
});
