import { describe, expect, it } from 'vitest';
import { clientKey, ipKey } from './client-ip.ts';

describe('ipKey', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(ipKey('203.0.113.9')).toBe('203.0.113.9');
  });

  it('groups IPv6 addresses by their /64', () => {
    const a = ipKey('2001:db8:1:2::1');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:0DB8:0001:0002:ffff:eeee:dddd:cccc')).toBe(a);
    expect(ipKey('[2001:db8:1:2:aaaa::7%eth0]')).toBe(a);
    expect(ipKey('2001:db8:1:3::1')).not.toBe(a);
    expect(ipKey('::1')).toBe('0:0:0:0::/64');
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(ipKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(ipKey('::ffff:cb00:7109')).toBe('203.0.113.9');
  });

  it('answers undefined for something that is not an IP', () => {
    expect(ipKey('evil, 1.2.3.4')).toBe(undefined);
    expect(ipKey('')).toBe(undefined);
  });
});

describe('clientKey', () => {
  it('ignores X-Forwarded-For unless proxies are trusted, so a client cannot pick its IP', () => {
    expect(clientKey('198.51.100.7', '1.2.3.4', 0)).toBe('198.51.100.7');
  });

  it('believes exactly N hops counting back from the socket peer', () => {
    // client 203.0.113.9 wrote "1.2.3.4"; proxy A appended the client; proxy B appended A.
    const xff = '1.2.3.4, 203.0.113.9, 10.0.0.2';
    expect(clientKey('10.0.0.3', xff, 1)).toBe('10.0.0.2');
    expect(clientKey('10.0.0.3', xff, 2)).toBe('203.0.113.9');
  });

  it('takes the furthest address when the header lists fewer hops than trusted', () => {
    expect(clientKey('10.0.0.3', '203.0.113.9', 5)).toBe('203.0.113.9');
    expect(clientKey('10.0.0.3', undefined, 1)).toBe('10.0.0.3');
  });

  it('groups a forwarded IPv6 client by /64 and falls back to the peer on junk', () => {
    expect(clientKey('10.0.0.3', '2001:db8::5', 1)).toBe('2001:db8:0:0::/64');
    expect(clientKey('10.0.0.3', 'not-an-ip', 1)).toBe('10.0.0.3');
    expect(clientKey(undefined, undefined, 0)).toBe('unknown');
  });
});
