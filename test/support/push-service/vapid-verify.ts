/**
 * Checks the `Authorization: vapid t=<JWT>, k=<key>` header the way a strict push service does
 * (RFC 8292 §2–§3), answering with a value rather than throwing.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { VapidClaims } from './types.ts';

export type VapidCheck = { ok: true; claims: VapidClaims } | { ok: false; reason: string };

export interface VapidVerifierOptions {
  /** The only `aud` accepted: this push service's origin (RFC 8292 §2). */
  audience: string;
  now?: () => number;
}

/** RFC 8292 §2: "exp" no more than 24 hours from the time of the request. */
const MAX_EXP_AHEAD_SECONDS = 24 * 60 * 60;
/** Senders cache their header (PERF-NOTES), so most requests repeat one token; cap the memo all the same. */
const SIGNATURE_CACHE_SIZE = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface SignedToken {
  payload: Record<string, unknown>;
}

/**
 * Returns a verifier for one push service. It remembers tokens whose signature already checked
 * out (an ECDSA verify is the costly step), but re-checks `aud`, `exp` and `sub` on every call.
 *
 * @example
 * const verifyVapid = createVapidVerifier({ audience: 'http://127.0.0.1:41234' });
 * const check = verifyVapid(req.headers.authorization);
 * if (!check.ok) return answer(403, check.reason);
 */
export function createVapidVerifier(
  options: VapidVerifierOptions,
): (authorization: string | undefined) => VapidCheck {
  const now = options.now ?? Date.now;
  const verified = new Map<string, SignedToken>();

  // The very same header string, as a caching sender repeats it: no need to parse it again.
  const byHeader = new Map<string, { k: string; token: SignedToken }>();

  return (authorization) => {
    const known = authorization === undefined ? undefined : byHeader.get(authorization);
    if (known) return checkClaims(known.token.payload, known.k, options.audience, now());
    const params = parseVapidAuthorization(authorization);
    if (typeof params === 'string') return { ok: false, reason: params };
    const cacheKey = `${params.t} ${params.k}`;
    let token = verified.get(cacheKey);
    if (!token) {
      const checked = checkSignature(params.t, params.k);
      if (typeof checked === 'string') return { ok: false, reason: checked };
      token = checked;
      if (verified.size >= SIGNATURE_CACHE_SIZE) verified.clear();
      verified.set(cacheKey, token);
    }
    if (authorization !== undefined) {
      if (byHeader.size >= SIGNATURE_CACHE_SIZE) byHeader.clear();
      byHeader.set(authorization, { k: params.k, token });
    }
    return checkClaims(token.payload, params.k, options.audience, now());
  };
}

/** RFC 8292 §3: the scheme is `vapid`, with auth-params `t` (the JWT) and `k` (the public key). */
export function parseVapidAuthorization(
  header: string | undefined,
): { t: string; k: string } | string {
  if (!header) return 'missing Authorization header (RFC 8292 §3)';
  const match = /^vapid\s+(.*)$/is.exec(header.trim());
  if (!match?.[1]) return 'Authorization scheme must be "vapid" (RFC 8292 §3)';
  const params = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    // RFC 7235 lets an auth-param value be a quoted-string.
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    params.set(name, value);
  }
  const t = params.get('t');
  const k = params.get('k');
  if (!t) return 'vapid Authorization lacks t= (RFC 8292 §3.1)';
  if (!k) return 'vapid Authorization lacks k= (RFC 8292 §3.2)';
  return { t, k };
}

/** Imports `k`, an uncompressed P-256 point in base64url (RFC 8292 §3.2), as a verification key. */
export function importVapidPublicKey(k: string): KeyObject | undefined {
  if (!BASE64URL.test(k)) return undefined;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 0x04) return undefined;
  try {
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch {
    return undefined; // not a point on the curve
  }
}

function checkSignature(jwt: string, k: string): SignedToken | string {
  const key = importVapidPublicKey(k);
  if (!key) return 'k is not an uncompressed P-256 public key (RFC 8292 §3.2)';
  const parts = jwt.split('.');
  const [headerPart, payloadPart, signaturePart] = parts;
  if (
    parts.length !== 3 ||
    !headerPart ||
    !payloadPart ||
    !signaturePart ||
    !parts.every((p) => BASE64URL.test(p))
  ) {
    return 't is not a compact JWS';
  }
  const header = parseJsonObject(headerPart);
  if (!header) return 'JWT header is not a JSON object';
  if (header.alg !== 'ES256')
    return `JWT alg must be ES256 (RFC 8292 §2), got ${String(header.alg)}`;
  const payload = parseJsonObject(payloadPart);
  if (!payload) return 'JWT claims are not a JSON object';
  // JOSE puts ECDSA signatures as raw r||s (RFC 7518 §3.4), not DER.
  const signature = Buffer.from(signaturePart, 'base64url');
  if (signature.length !== 64) return 'JWT signature is not a 64-byte ES256 signature';
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
    return 'JWT signature does not verify with key k';
  }
  return { payload };
}

function checkClaims(
  payload: Record<string, unknown>,
  k: string,
  audience: string,
  nowMs: number,
): VapidCheck {
  const { aud, exp, sub } = payload;
  if (aud !== audience)
    return {
      ok: false,
      reason: `JWT aud ${JSON.stringify(aud)} is not ${audience}`,
    };
  if (typeof exp !== 'number' || !Number.isInteger(exp))
    return { ok: false, reason: 'JWT exp is not an integer' };
  const nowSeconds = nowMs / 1000;
  if (exp <= nowSeconds) return { ok: false, reason: 'JWT has expired' };
  if (exp > nowSeconds + MAX_EXP_AHEAD_SECONDS) {
    return {
      ok: false,
      reason: 'JWT exp is more than 24 hours ahead (RFC 8292 §2)',
    };
  }
  if (typeof sub !== 'string' || !(sub.startsWith('mailto:') || sub.startsWith('https:'))) {
    return {
      ok: false,
      reason: 'JWT sub must be a mailto: or https: URI (RFC 8292 §2.1)',
    };
  }
  return { ok: true, claims: { publicKey: k, sub, aud, exp } };
}

function parseJsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
