import type { PushAnswer } from '../../domain/push-response.ts';

// The transports' shared shapes, in a leaf module: push-transport.ts builds on h2-sessions.ts
// and http1-transport.ts, which need `PushRequest` — importing it from push-transport.ts
// made a (type-only) import cycle.

export interface PushRequest {
  endpoint: string;
  /** `endpoint` already parsed, when the caller has it: not parsed a second time. */
  url?: URL;
  /** Lower-case names: HTTP/2 requires them (RFC 9113 §8.2.1), HTTP/1.1 does not mind. */
  headers: Record<string, string | number>;
  body: Buffer | null;
}

export interface PushTransport {
  send(request: PushRequest): Promise<PushAnswer>;
  close(): void;
}

export interface TransportOptions {
  /** Extra CA certificates to trust (a local HTTPS push service in tests and demos). */
  ca?: string | Buffer;
  /** HTTP/1.1 connections per push-service origin (HTTP/2 uses one). */
  maxSocketsPerOrigin?: number;
  timeoutMs?: number;
  /** An HTTP/2 session with nothing to do for this long is closed. */
  idleMs?: number;
}
