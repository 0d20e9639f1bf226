/**
 * Decides whether a push request is acceptable, as a strict push service would (RFC 8030 §5,
 * RFC 8291, RFC 8292). Pure: the caller reads the request and writes the answer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { VapidCheck } from './vapid-verify.ts';
import type { DecryptResult, ReceiverKeys } from './decrypt.ts';
import type { MessageHeaders, VapidClaims } from './types.ts';

/** RFC 8030 §7.2: a push service MUST accept payloads of at least 4096 octets, and may refuse more (413). */
export const MAX_BODY_BYTES = 4096;

export interface PushRequestInput {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body ran past MAX_BODY_BYTES; `body` then holds only the start. */
  bodyTooLarge: boolean;
  receiver: ReceiverKeys;
}

export interface PushRequestChecks {
  verifyVapid(authorization: string | undefined): VapidCheck;
  decrypt(body: Buffer, keys: ReceiverKeys): DecryptResult;
}

export type PushRequestVerdict =
  | {
      ok: true;
      payload: string;
      /** False when a sampled decrypt skipped this body (`payload` is then ''). */
      decrypted: boolean;
      headers: MessageHeaders;
      vapid: VapidClaims;
    }
  | { ok: false; status: number; reason: string };

const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * VAPID first (real services authenticate before anything else), then headers and size, and
 * last the ECDH and AES work of decryption.
 *
 * @example
 * const verdict = checkPushRequest({ headers, body, bodyTooLarge, receiver }, { verifyVapid, decrypt: decryptPushBody });
 * if (!verdict.ok) return answer(verdict.status, verdict.reason);
 */
export function checkPushRequest(
  input: PushRequestInput,
  checks: PushRequestChecks,
): PushRequestVerdict {
  const { headers, body } = input;
  const vapid = checks.verifyVapid(first(headers.authorization));
  // RFC 8292 §4.2: refuse missing or invalid "vapid" authentication.
  if (!vapid.ok) return { ok: false, status: 403, reason: vapid.reason };

  const encoding = first(headers['content-encoding'])?.trim().toLowerCase();
  // A push without payload carries no body and no Content-Encoding (RFC 8030 §5).
  if (body.length > 0 && encoding !== 'aes128gcm') {
    return {
      ok: false,
      status: 415,
      reason: `Content-Encoding must be aes128gcm (RFC 8291 §4), got ${encoding ?? 'none'}`,
    };
  }

  const ttlHeader = first(headers.ttl)?.trim();
  if (ttlHeader === undefined)
    return {
      ok: false,
      status: 400,
      reason: 'missing TTL header (RFC 8030 §5.2)',
    };
  if (!/^\d+$/.test(ttlHeader) || !Number.isSafeInteger(Number(ttlHeader))) {
    return {
      ok: false,
      status: 400,
      reason: `TTL must be a non-negative integer (RFC 8030 §5.2), got ${ttlHeader}`,
    };
  }
  const messageHeaders: MessageHeaders = { ttl: Number(ttlHeader) };

  const urgency = first(headers.urgency)?.trim();
  if (urgency !== undefined) {
    if (!URGENCIES.has(urgency))
      return {
        ok: false,
        status: 400,
        reason: `unknown Urgency ${urgency} (RFC 8030 §5.3)`,
      };
    messageHeaders.urgency = urgency;
  }
  const topic = first(headers.topic)?.trim();
  if (topic !== undefined) {
    if (!TOPIC.test(topic)) {
      return {
        ok: false,
        status: 400,
        reason: 'Topic must be at most 32 base64url characters (RFC 8030 §5.4)',
      };
    }
    messageHeaders.topic = topic;
  }

  if (input.bodyTooLarge) {
    return {
      ok: false,
      status: 413,
      reason: `body exceeds ${MAX_BODY_BYTES} bytes (RFC 8030 §7.2)`,
    };
  }
  if (body.length === 0)
    return {
      ok: true,
      payload: '',
      decrypted: true,
      headers: messageHeaders,
      vapid: vapid.claims,
    };

  const decrypted = checks.decrypt(body, input.receiver);
  if (!decrypted.ok) return { ok: false, status: 400, reason: decrypted.reason };
  return {
    ok: true,
    payload: decrypted.plaintext?.toString('utf8') ?? '',
    decrypted: decrypted.plaintext !== undefined,
    headers: messageHeaders,
    vapid: vapid.claims,
  };
}

/** Node joins repeated unknown headers into one string but types every header as possibly an array. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
