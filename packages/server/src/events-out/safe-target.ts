import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where events out may go. A webhook URL is typed by a customer, so posting to any URL would
 * let them reach our own network (SSRF): only `https:` to public addresses, unless the
 * operator names the origin in `BECKON_WEBHOOK_ORIGINS_ALLOW` (tests: a loopback receiver).
 * Checking the URL's host is not enough — a name can resolve to 10.0.0.1, or answer a public
 * address to the check and a private one to the connection (DNS rebinding) — so the address
 * is checked in the socket's own `lookup`, the one the connection then uses.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast, and 240/4 reserved
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 can reach IPv4 private ranges
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address (v4, v6 or v4-mapped v6) is one events out may connect to. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublicAddress(mapped);
  const family = isIP(address);
  if (family === 0) return false;
  return !PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why a destination URL is refused, or undefined when it is acceptable to store. The address
 * check happens again at every connection ({@link publicOnlyLookup}).
 */
export function targetProblem(url: string, allowOrigins: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.username || parsed.password) return 'must not carry credentials';
  if (allowOrigins.includes(parsed.origin)) return undefined;
  if (parsed.protocol !== 'https:') return 'must be https:';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isPublicAddress(host)) return 'must be a public address';
  if (/^localhost$|\.localhost$|\.local$|\.internal$/i.test(host)) return 'must be a public host';
  return undefined;
}

/** Whether a URL's origin is one the operator allowed (then any address goes). */
export const isAllowedOrigin = (url: string, allowOrigins: readonly string[]) =>
  allowOrigins.includes(new URL(url).origin);

/** A `lookup` for `http(s).request` that refuses non-public addresses at connect time. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused || addresses.length === 0) {
      const e = Object.assign(new Error(`${hostname} resolves to a non-public address`), {
        code: 'EADDRNOTPUBLIC',
      });
      return callback(e, '', 0);
    }
    if (options.all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};
