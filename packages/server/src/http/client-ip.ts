import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client's address as a rate-limit key. `X-Forwarded-For` is believed only for
 * `trustProxy` hops (0, the default, ignores it: without a proxy in front anyone can send the
 * header and pick their own IP). With N hops the client is the Nth address counting back from
 * the socket's peer — each trusted proxy appends the address it saw, so entries further left
 * are whatever the client wrote. Like Express's `trust proxy = N`.
 *
 * @example clientKey('203.0.113.9', 'spoofed, 198.51.100.7', 1) // '198.51.100.7'
 */
export function clientKey(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trustProxy: number,
): string {
  const hops = [peer ?? 'unknown'];
  if (trustProxy > 0 && forwardedFor) {
    const listed = forwardedFor.split(',').map((s) => s.trim());
    hops.push(...listed.reverse());
  }
  const chosen = hops[Math.min(trustProxy, hops.length - 1)] ?? 'unknown';
  return ipKey(chosen) ?? ipKey(peer ?? '') ?? 'unknown';
}

/**
 * One key per IPv4 address and per IPv6 /64 (one customer line usually owns a whole /64, so
 * per-address limits would be 2^64 buckets). IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a
 * dual-stack socket reports) counts as the IPv4 address. Not an IP → undefined.
 *
 * @example ipKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function ipKey(address: string): string | undefined {
  const plain = address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // [v6] and zone ids
  if (isIPv4(plain)) return plain;
  if (!isIPv6(plain)) return undefined;
  const groups = expandIPv6(plain);
  const mapped = groups.slice(0, 6).join(':') === '0:0:0:0:0:ffff';
  if (mapped) {
    const [hi = 0, lo = 0] = groups.slice(6).map((g) => parseInt(g, 16));
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** Eight lowercase hex groups without leading zeros; `::` and a dotted IPv4 tail expanded. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}
