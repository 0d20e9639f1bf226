import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
} from '../../../../../test/support/push-service/tls-cert.ts';
import { createPushTransport } from './push-transport.ts';

const request = (origin: string) => ({
  endpoint: `${origin}/push/abc`,
  headers: { ttl: 60, 'content-encoding': 'aes128gcm' },
  body: Buffer.from('body'),
});

/** An HTTPS server on a free port; `h2: false` answers ALPN with HTTP/1.1 only. */
async function serve(
  tls: SelfSignedCertificate,
  opts: { h2: boolean },
  onStream: (stream: http2.ServerHttp2Stream, session: http2.ServerHttp2Session) => void,
) {
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = opts.h2
    ? http2.createSecureServer({ key: tls.key, cert: tls.cert })
    : https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(201, { 'x-http': req.httpVersion }).end());
      });
  if (opts.h2) {
    const h2 = server as http2.Http2SecureServer;
    h2.on('session', (s) => sessions.add(s));
    h2.on('stream', (stream, _headers) =>
      onStream(stream, stream.session as http2.ServerHttp2Session),
    );
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    sessions,
    close: () => {
      for (const s of sessions) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer201(stream: http2.ServerHttp2Stream) {
  stream.resume();
  stream.on('end', () => {
    stream.respond({ ':status': 201, 'retry-after': '7' });
    stream.end('created');
  });
}

describe('push transport', () => {
  let tls: SelfSignedCertificate;
  beforeAll(async () => {
    tls = await createSelfSignedCertificate('127.0.0.1');
  });

  it('sends over one HTTP/2 session and returns status, headers and body', async () => {
    const server = await serve(tls, { h2: true }, answer201);
    const transport = createPushTransport({ ca: tls.cert });
    try {
      const answers = await Promise.all(
        [1, 2, 3].map(() => transport.send(request(server.origin))),
      );
      expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201]);
      expect(answers[0]).toMatchObject({ headers: { 'retry-after': '7' }, body: 'created' });
      expect(server.sessions.size).toBe(1);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it('falls back to HTTP/1.1 keep-alive when the TLS handshake does not pick h2', async () => {
    const server = await serve(tls, { h2: false }, () => {});
    const transport = createPushTransport({ ca: tls.cert });
    try {
      for (let i = 0; i < 2; i++) {
        const answer = await transport.send(request(server.origin));
        expect(answer).toMatchObject({ statusCode: 201, headers: { 'x-http': '1.1' } });
      }
    } finally {
      transport.close();
      await server.close();
    }
  });

  it('opens a new session after the push service sends GOAWAY', async () => {
    const server = await serve(tls, { h2: true }, (stream, session) => {
      answer201(stream);
      stream.on('close', () => session.goaway()); // one stream per connection, like a restart
    });
    const transport = createPushTransport({ ca: tls.cert });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await transport.send(request(server.origin))).statusCode).toBe(201);
        await new Promise((r) => setTimeout(r, 20)); // let the GOAWAY land
      }
      expect(server.sessions.size).toBe(3);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it('sends a stream the server refused (REFUSED_STREAM) once more, at once', async () => {
    let seen = 0;
    const server = await serve(tls, { h2: true }, (stream) => {
      seen += 1;
      if (seen > 1) return answer201(stream);
      stream.on('error', () => {}); // the server's side of the reset reports it too
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    });
    const transport = createPushTransport({ ca: tls.cert });
    try {
      expect((await transport.send(request(server.origin))).statusCode).toBe(201);
      expect(seen).toBe(2);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it('gives up on a push service that does not answer in time', async () => {
    const server = await serve(tls, { h2: true }, (stream) => stream.resume());
    const transport = createPushTransport({ ca: tls.cert, timeoutMs: 200 });
    try {
      await expect(transport.send(request(server.origin))).rejects.toThrow(/timed out/);
    } finally {
      transport.close();
      await server.close();
    }
  });
});
