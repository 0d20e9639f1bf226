/**
 * Public shapes of the local push service: what tests create, script and read back.
 * Values live in the other files; this one holds types only.
 */
export type PushServiceProtocol = 'http' | 'https';

export interface LocalPushServiceOptions {
  /** `https` speaks HTTP/2 and HTTP/1.1 with a self-signed certificate (see `ca`). Default `http`. */
  protocol?: PushServiceProtocol;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Called for every accepted message, after it is recorded (the CLI logs with it). */
  onMessage?: (message: ReceivedMessage) => void;
  /** Called for every request the service refused as invalid. */
  onRejected?: (rejection: Rejection) => void;
  /**
   * Decrypt one accepted message in this many (default 1: every one); the others are checked
   * for VAPID, headers and body layout only, and arrive with `decrypted: false`. For benchmarks.
   */
  decryptEvery?: number;
}

/** A subscription as a browser's `PushSubscription.toJSON()` gives it, plus the id the service knows it by. */
export interface VirtualSubscriber {
  id: string;
  endpoint: string;
  /** base64url: `p256dh` is the 65-byte uncompressed P-256 point, `auth` the 16-byte secret (RFC 8291 §3). */
  keys: { p256dh: string; auth: string };
}

/** The fields of a P-256 private JWK that matter here; WebCrypto's and node:crypto's both fit. */
export interface PrivateJwk {
  kty?: string | undefined;
  crv?: string | undefined;
  d?: string | undefined;
  x?: string | undefined;
  y?: string | undefined;
}

/** A key pair made elsewhere (a browser test's WebCrypto stub, say) that the service should decrypt for. */
export interface RegisterSubscriberInput {
  /** The endpoint id, or the full endpoint URL on this service. */
  endpoint: string;
  /** The receiver's private key: a P-256 JWK (`exportKey('jwk', …)`) or the raw scalar `d`, base64url. */
  privateKey: PrivateJwk | string;
  /** `p256dh`, base64url. Must belong to `privateKey`. */
  publicKey: string;
  /** The 16-byte auth secret, base64url. */
  auth: string;
}

/** The VAPID claims of an accepted message (RFC 8292 §2); `publicKey` is the `k=` value. */
export interface VapidClaims {
  publicKey: string;
  sub: string;
  aud: string;
  exp: number;
}

/** Push message headers as the sender set them (RFC 8030 §5.2–5.4). */
export interface MessageHeaders {
  ttl: number;
  urgency?: string;
  topic?: string;
}

export interface ReceivedMessage {
  subscriberId: string;
  endpoint: string;
  /** The decrypted plaintext, read as UTF-8 ('' when `decrypted` is false). */
  payload: string;
  /** False when `decryptEvery` skipped this message's decryption. */
  decrypted: boolean;
  headers: MessageHeaders;
  vapid: VapidClaims;
  /** `Date.now()` when the request arrived (before any scripted delay). */
  receivedAt: number;
  /** `'1.1'` or `'2.0'`. */
  httpVersion: string;
}

/** A request refused as invalid: unknown subscription, bad VAPID, missing TTL, undecryptable body… */
export interface Rejection {
  endpoint: string;
  status: number;
  reason: string;
}

/**
 * Every push request, whatever the answer. `at` is when it arrived; `status` is 0 when the sender
 * hung up before a delayed answer was due.
 */
export interface Attempt {
  subscriberId: string;
  status: number;
  at: number;
}

/**
 * A scripted answer. `times` is how many requests it applies to (default: every one from now on);
 * once used up, the next behaviour queued for the same target applies, or normal service resumes.
 * Behaviours apply only to requests that pass validation, as a real service checks first.
 * `body` is the answer's text (default `scripted <status>`); one that starts with `{` is sent as
 * JSON, e.g. Apple's `{ status: 403, body: '{"reason":"BadJwtToken"}' }`.
 */
export type Behaviour =
  | { status: 400 | 403 | 404 | 410 | 413 | 500; body?: string; times?: number }
  | { status: 429 | 503; retryAfter?: number | string; body?: string; times?: number }
  | { delayMs: number; times?: number };

export interface WaitForMessagesOptions {
  /** Default 10 000. */
  timeoutMs?: number;
  filter?: (message: ReceivedMessage) => boolean;
}

export interface PushServiceStats {
  subscribers: number;
  messages: number;
  attempts: number;
  rejected: number;
  /** TCP connections accepted since start (not cleared by `reset()`: take a difference). */
  connections: number;
  /** Connections open right now. */
  openConnections: number;
}

export interface LocalPushService {
  /** e.g. `http://127.0.0.1:41234`; also the VAPID `aud` the service demands. */
  readonly origin: string;
  /** PEM of the self-signed certificate when `protocol` is `https`. */
  readonly ca: string | undefined;
  /** Accepted messages, in the order they were answered 201. Live: `reset()` empties it in place. */
  readonly messages: readonly ReceivedMessage[];
  readonly attempts: readonly Attempt[];
  readonly rejected: readonly Rejection[];
  createSubscriber(): VirtualSubscriber;
  createSubscribers(count: number): VirtualSubscriber[];
  registerSubscriber(input: RegisterSubscriberInput): VirtualSubscriber;
  waitForMessages(count: number, options?: WaitForMessagesOptions): Promise<ReceivedMessage[]>;
  /** `target`: a subscriber id, a full endpoint, or `'*'` for every subscriber without its own. */
  respondWith(target: string, behaviour: Behaviour): void;
  reset(): void;
  stats(): PushServiceStats;
  close(): Promise<void>;
}

export interface LocalHttpsPushService extends LocalPushService {
  readonly ca: string;
}
