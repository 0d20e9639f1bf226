import { webcrypto } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import webpush, { type RequestDetails, type RequestOptions } from 'web-push';
import { createLocalPushService, type LocalPushService, type VirtualSubscriber } from './index.ts';

const SUBJECT = 'mailto:tests@beckon.example';
const vapidKeys = webpush.generateVAPIDKeys();
const vapidDetails = {
  subject: SUBJECT,
  publicKey: vapidKeys.publicKey,
  privateKey: vapidKeys.privateKey,
};

function requestFor(
  subscriber: VirtualSubscriber,
  payload: string,
  options: RequestOptions = {},
): RequestDetails {
  return webpush.generateRequestDetails(subscriber, payload, {
    vapidDetails,
    TTL: 60,
    ...options,
  });
}

/** Sends what web-push computed with fetch, after `edit` has had its way with the headers. */
async function post(
  details: RequestDetails,
  edit?: (headers: Record<string, string>) => void,
): Promise<Response> {
  const headers: Record<string, string> = {};
  // web-push puts numbers in some headers (TTL, Content-Length) despite its types; fetch sets the length itself.
  for (const [name, value] of Object.entries(details.headers)) {
    if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
  }
  edit?.(headers);
  return fetch(details.endpoint, {
    method: 'POST',
    headers,
    // A copy: TS 5.9 types a Buffer as Uint8Array<ArrayBufferLike>, which BodyInit does not take.
    body: details.body ? new Uint8Array(details.body) : undefined,
  });
}

/** The same over node:http with a given agent; resolves with the status once the body is read. */
function postWithAgent(details: RequestDetails, agent: http.Agent): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      details.endpoint,
      { method: 'POST', headers: details.headers, agent },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      },
    );
    request.on('error', reject);
    request.end(details.body);
  });
}

function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms),
    ),
  ]);
}

describe('local push service over HTTP', () => {
  let service: LocalPushService;
  let subscriber: VirtualSubscriber;

  beforeAll(async () => {
    service = await createLocalPushService();
    subscriber = service.createSubscriber();
  });
  afterAll(() => service.close());
  beforeEach(() => service.reset());

  it('hands out browser-shaped subscriptions under its origin', () => {
    expect(service.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(subscriber.endpoint).toBe(`${service.origin}/push/${subscriber.id}`);
    const p256dh = Buffer.from(subscriber.keys.p256dh, 'base64url');
    expect(p256dh).toHaveLength(65);
    expect(p256dh[0]).toBe(0x04);
    expect(Buffer.from(subscriber.keys.auth, 'base64url')).toHaveLength(16);
  });

  it('decrypts exactly the payload web-push encrypted and answers 201 with a Location', async () => {
    const payload = JSON.stringify({ title: 'Grüße', body: 'push ✓ 🚀' });
    const response = await post(
      requestFor(subscriber, payload, { urgency: 'high', topic: 'news' }),
    );

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toMatch(
      new RegExp(`^${service.origin}/message/[0-9a-f-]{36}$`),
    );
    expect(service.messages).toHaveLength(1);
    const [message] = service.messages;
    expect(message).toMatchObject({
      subscriberId: subscriber.id,
      endpoint: subscriber.endpoint,
      payload,
      headers: { ttl: 60, urgency: 'high', topic: 'news' },
      vapid: {
        publicKey: vapidKeys.publicKey,
        sub: SUBJECT,
        aud: service.origin,
      },
      httpVersion: '1.1',
    });
    expect(message?.vapid.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('answers 403 when the JWT was not signed by the key in k=', async () => {
    const other = webpush.generateVAPIDKeys();
    const response = await post(requestFor(subscriber, 'hi'), (headers) => {
      headers.Authorization = String(headers.Authorization).replace(
        /k=[\w-]+/,
        `k=${other.publicKey}`,
      );
    });

    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/signature/);
    expect(service.messages).toHaveLength(0);
    expect(service.rejected).toEqual([
      {
        endpoint: subscriber.endpoint,
        status: 403,
        reason: expect.stringMatching(/signature/),
      },
    ]);
  });

  it('answers 403 when aud is not its own origin', async () => {
    const { Authorization } = webpush.getVapidHeaders(
      'https://fcm.googleapis.com',
      SUBJECT,
      vapidKeys.publicKey,
      vapidKeys.privateKey,
      'aes128gcm',
    );
    const response = await post(requestFor(subscriber, 'hi'), (headers) => {
      headers.Authorization = Authorization;
    });

    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/aud "https:\/\/fcm.googleapis.com"/);
  });

  it('answers 403 for an expired JWT', async () => {
    const expired = Math.floor(Date.now() / 1000) - 60;
    const { Authorization } = webpush.getVapidHeaders(
      service.origin,
      SUBJECT,
      vapidKeys.publicKey,
      vapidKeys.privateKey,
      'aes128gcm',
      expired,
    );
    const response = await post(requestFor(subscriber, 'hi'), (headers) => {
      headers.Authorization = Authorization;
    });

    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/expired/);
  });

  it('answers 400 when the TTL header is missing', async () => {
    const response = await post(requestFor(subscriber, 'hi'), (headers) => {
      delete headers.TTL;
    });

    expect(response.status).toBe(400);
    expect(service.rejected[0]?.reason).toMatch(/TTL/);
    expect(service.messages).toHaveLength(0);
  });

  it('answers 415 when Content-Encoding is not aes128gcm', async () => {
    const response = await post(requestFor(subscriber, 'hi'), (headers) => {
      headers['Content-Encoding'] = 'aesgcm';
    });
    expect(response.status).toBe(415);
    expect(service.messages).toHaveLength(0);
  });

  it('answers 400 when the body does not decrypt', async () => {
    const details = requestFor(subscriber, 'hi');
    const body = Buffer.from(details.body ?? []);
    body[body.length - 1] = (body.at(-1) ?? 0) ^ 0xff;

    const response = await post({ ...details, body });

    expect(response.status).toBe(400);
    expect(service.rejected[0]?.reason).toMatch(/decryption failed/);
  });

  it('accepts a 4096-byte body and answers 413 past it', async () => {
    const largest = 'y'.repeat(4096 - 103); // aes128gcm header 86 + padding delimiter 1 + tag 16
    expect((await post(requestFor(subscriber, largest))).status).toBe(201);
    expect(service.messages[0]?.payload).toBe(largest);

    const response = await post(requestFor(subscriber, largest + 'z'));
    expect(response.status).toBe(413);
    expect(service.messages).toHaveLength(1);
  });

  it('answers 404 for an endpoint it never issued', async () => {
    const details = requestFor(subscriber, 'hi');
    const response = await post({
      ...details,
      endpoint: `${service.origin}/push/no-such-id`,
    });

    expect(response.status).toBe(404);
    expect(service.rejected[0]).toMatchObject({
      endpoint: `${service.origin}/push/no-such-id`,
      status: 404,
    });
  });

  it('answers 410 once when told to, then accepts again', async () => {
    service.respondWith(subscriber.id, { status: 410, times: 1 });

    const first = await post(requestFor(subscriber, 'first'));
    expect(first.status).toBe(410);
    expect(service.messages).toHaveLength(0);

    const second = await post(requestFor(subscriber, 'second'));
    expect(second.status).toBe(201);
    expect(service.messages.map((m) => m.payload)).toEqual(['second']);
    expect(service.attempts.map((a) => a.status)).toEqual([410, 201]);
    expect(service.rejected).toHaveLength(0);
  });

  it("answers a scripted 403 with Apple's JSON reason, as it does for a refused VAPID subject", async () => {
    service.respondWith(subscriber.id, {
      status: 403,
      body: '{"reason":"BadJwtToken"}',
      times: 1,
    });
    const refused = await post(requestFor(subscriber, 'hi'));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/json');
    expect(await refused.json()).toEqual({ reason: 'BadJwtToken' });
    expect(service.messages).toHaveLength(0);
    expect((await post(requestFor(subscriber, 'hi'))).status).toBe(201);
  });

  it('answers 429 with the scripted Retry-After, seconds or HTTP-date', async () => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    service.respondWith(subscriber.endpoint, {
      status: 429,
      retryAfter: date,
      times: 1,
    });
    service.respondWith('*', { status: 429, retryAfter: 120, times: 1 });

    const own = await post(requestFor(subscriber, 'hi'));
    expect(own.status).toBe(429);
    expect(own.headers.get('retry-after')).toBe(date);

    const wildcard = await post(requestFor(subscriber, 'hi'));
    expect(wildcard.status).toBe(429);
    expect(wildcard.headers.get('retry-after')).toBe('120');

    expect((await post(requestFor(subscriber, 'hi'))).status).toBe(201);
  });

  it('answers slowly with delayMs and records the message only when it answers', async () => {
    service.respondWith(subscriber.id, { delayMs: 400, times: 1 });
    const started = Date.now();

    const pending = post(requestFor(subscriber, 'slow'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(service.messages).toHaveLength(0);

    const response = await pending;
    expect(response.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(service.messages.map((m) => m.payload)).toEqual(['slow']);
  });

  it('decrypts for a key pair registered from WebCrypto, as a JWK or a raw d', async () => {
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
      'deriveBits',
    ]);
    const jwk = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
    const publicKey = Buffer.from(await webcrypto.subtle.exportKey('raw', pair.publicKey)).toString(
      'base64url',
    );
    const auth = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('base64url');

    const fromJwk = service.registerSubscriber({
      endpoint: `${service.origin}/push/browser-1`,
      privateKey: jwk,
      publicKey,
      auth,
    });
    const fromRaw = service.registerSubscriber({
      endpoint: 'browser-2',
      privateKey: jwk.d ?? '',
      publicKey,
      auth,
    });

    expect(fromJwk).toEqual({
      id: 'browser-1',
      endpoint: `${service.origin}/push/browser-1`,
      keys: { p256dh: publicKey, auth },
    });
    expect((await post(requestFor(fromJwk, 'to the jwk'))).status).toBe(201);
    expect((await post(requestFor(fromRaw, 'to the raw d'))).status).toBe(201);
    expect(service.messages.map((m) => [m.subscriberId, m.payload])).toEqual([
      ['browser-1', 'to the jwk'],
      ['browser-2', 'to the raw d'],
    ]);
  });

  it('refuses to register a public key that does not match the private key', () => {
    const [a, b] = service.createSubscribers(2);
    expect(() =>
      service.registerSubscriber({
        endpoint: 'mismatch',
        privateKey: webpush.generateVAPIDKeys().privateKey,
        publicKey: a?.keys.p256dh ?? '',
        auth: b?.keys.auth ?? '',
      }),
    ).toThrow(/not the public half/);
  });

  it('waitForMessages resolves as matching messages arrive', async () => {
    const other = service.createSubscriber();
    const waiting = service.waitForMessages(2, {
      timeoutMs: 5000,
      filter: (m) => m.subscriberId === other.id,
    });

    await post(requestFor(subscriber, 'not this one'));
    await post(requestFor(other, 'one'));
    await post(requestFor(other, 'two'));

    expect((await waiting).map((m) => m.payload)).toEqual(['one', 'two']);
  });

  it('waitForMessages rejects with how many arrived when it times out', async () => {
    await post(requestFor(subscriber, 'only one'));
    await post(requestFor(subscriber, 'hi'), (headers) => {
      delete headers.TTL;
    });

    await expect(service.waitForMessages(2, { timeoutMs: 100 })).rejects.toThrow(
      /expected 2 message\(s\), but 1 arrived within 100 ms .*last refusal: 400 missing TTL/,
    );
  });

  it('makes ten thousand distinct subscribers quickly', () => {
    const started = performance.now();
    const many = service.createSubscribers(10_000);
    const elapsed = performance.now() - started;

    expect(new Set(many.map((s) => s.id)).size).toBe(10_000);
    expect(new Set(many.map((s) => s.keys.p256dh)).size).toBe(10_000);
    expect(new Set(many.map((s) => s.keys.auth)).size).toBe(10_000);
    // ~60k/s here; WebCrypto-speed key generation (~1.4k/s) would take 7 s.
    expect(elapsed).toBeLessThan(3000);
  });

  it('rejects respondWith for a subscriber it does not know', () => {
    expect(() => service.respondWith('typo', { status: 410 })).toThrow(/no subscriber "typo"/);
  });
});

describe('closing', () => {
  it('reuses one keep-alive connection and still closes at once while it is open', async () => {
    const service = await createLocalPushService();
    const subscriber = service.createSubscriber();

    // node:http rather than fetch: undici frees its socket a tick after the body is read, so
    // back-to-back fetches open a second connection whatever the server does.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const payload of ['a', 'b', 'c']) {
      expect(await postWithAgent(requestFor(subscriber, payload), agent)).toBe(201);
    }
    expect(service.stats()).toMatchObject({
      messages: 3,
      connections: 1,
      openConnections: 1,
    });

    await withinMs(service.close(), 2000, 'close() with a keep-alive connection open');
    expect(service.stats().openConnections).toBe(0);
    agent.destroy();
  });

  it('closes at once while a request is still waiting out a delayMs', async () => {
    const service = await createLocalPushService();
    const subscriber = service.createSubscriber();
    service.respondWith(subscriber.id, { delayMs: 60_000 });
    const agent = new http.Agent({ keepAlive: true });

    const inFlight = postWithAgent(requestFor(subscriber, 'never answered'), agent);
    await withinMs(
      new Promise<void>(function poll(resolve) {
        if (service.stats().openConnections > 0) resolve();
        else setTimeout(() => poll(resolve), 5);
      }),
      2000,
      'the request reaching the service',
    );

    await withinMs(service.close(), 2000, 'close() with a request in flight');
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(service.messages).toHaveLength(0);
    agent.destroy();
  });

  it('rejects pending waitForMessages when closed', async () => {
    const service = await createLocalPushService();
    const waiting = service.waitForMessages(1);
    await service.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});

describe('local push service over HTTPS', () => {
  it('accepts web-push sendNotification over HTTP/1.1 with its CA trusted', async () => {
    const service = await createLocalPushService({ protocol: 'https' });
    try {
      expect(service.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(service.ca).toContain('BEGIN CERTIFICATE');
      const subscriber = service.createSubscriber();

      const result = await webpush.sendNotification(subscriber, 'over TLS', {
        vapidDetails,
        TTL: 60,
        agent: new https.Agent({ ca: service.ca }),
      });

      expect(result.statusCode).toBe(201);
      expect(service.messages[0]).toMatchObject({
        payload: 'over TLS',
        httpVersion: '1.1',
      });
    } finally {
      await service.close();
    }
  });

  it('speaks HTTP/2 and closes with the session still open', async () => {
    const service = await createLocalPushService({ protocol: 'https' });
    const session = http2.connect(service.origin, { ca: service.ca });
    session.on('error', () => {}); // the service tears the session down at close()
    try {
      const subscriber = service.createSubscriber();
      const details = requestFor(subscriber, 'over h2');
      const headers: http2.OutgoingHttpHeaders = {
        ':method': 'POST',
        ':path': new URL(details.endpoint).pathname,
      };
      for (const [name, value] of Object.entries(details.headers))
        headers[name.toLowerCase()] = String(value);

      const status = await new Promise<number | undefined>((resolve, reject) => {
        const stream = session.request(headers);
        stream.on('response', (responseHeaders) => resolve(responseHeaders[':status']));
        stream.on('error', reject);
        stream.end(details.body);
      });

      expect(status).toBe(201);
      expect(service.messages[0]).toMatchObject({
        payload: 'over h2',
        httpVersion: '2.0',
      });
      expect(session.closed).toBe(false);
    } finally {
      await withinMs(service.close(), 2000, 'close() with an HTTP/2 session open');
    }
    await withinMs(
      new Promise((resolve) =>
        session.closed ? resolve(undefined) : session.once('close', resolve),
      ),
      2000,
      'the client session noticing the close',
    );
  });
});

describe('local push service decrypting a sample (decryptEvery)', () => {
  it('decrypts the first message and then one in n, and still refuses a broken body', async () => {
    const service = await createLocalPushService({ decryptEvery: 3 });
    try {
      const subscriber = service.createSubscriber();
      for (const text of ['m0', 'm1', 'm2', 'm3', 'm4']) {
        expect((await post(requestFor(subscriber, text))).status).toBe(201);
      }
      expect(service.messages.map((m) => [m.payload, m.decrypted])).toEqual([
        ['m0', true],
        ['', false],
        ['', false],
        ['m3', true],
        ['', false],
      ]);
      // Not a sampled one (the 6th), but its header says the keyid is 1 byte: refused unread.
      const broken = requestFor(subscriber, 'x');
      (broken.body as Buffer).writeUInt8(1, 20);
      expect((await post(broken)).status).toBe(400);
    } finally {
      await service.close();
    }
  });
});
