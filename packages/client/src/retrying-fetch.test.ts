import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryingFetch } from './retrying-fetch.ts';

const URL_ = 'http://beckon.test/v1/notifications';

/** A fetch answering from a script, recording what each try sent. */
function scripted(answers: Array<Response | Error>) {
  const sent: Array<{ method: string; key: string | null; body: string }> = [];
  const fetchImpl = async (request: Request) => {
    sent.push({
      method: request.method,
      key: request.headers.get('idempotency-key'),
      body: await request.text(),
    });
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { sent, fetchImpl };
}

function client(answers: Array<Response | Error>, options = {}) {
  const { sent, fetchImpl } = scripted(answers);
  const waits: number[] = [];
  const f = retryingFetch(fetchImpl, options, {
    sleep: async (ms) => void waits.push(ms),
    random: () => 1,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
  });
  return { f, sent, waits };
}

const post = () => new Request(URL_, { method: 'POST', body: '{"campaignId":"cmp_1"}' });

describe('retryingFetch', () => {
  it('sends one Idempotency-Key with a POST and the same key on every retry, body intact', async () => {
    const { f, sent } = client([new Response(null, { status: 503 }), new Response('{}')]);
    const res = await f(post());
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[1]!.key).toBe(sent[0]!.key);
    expect(sent[1]!.body).toBe('{"campaignId":"cmp_1"}');
  });

  it("keeps the caller's own Idempotency-Key and adds none to a GET", async () => {
    const { f, sent } = client([new Response('{}'), new Response('{}')]);
    const keyed = post();
    keyed.headers.set('idempotency-key', 'order-42');
    await f(keyed);
    await f(new Request(URL_));
    expect(sent.map((s) => s.key)).toEqual(['order-42', null]);
  });

  it('waits what Retry-After asks on a 429, in seconds or as a date', async () => {
    const { f, waits } = client([
      new Response(null, { status: 429, headers: { 'retry-after': '2' } }),
      new Response(null, {
        status: 429,
        headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' },
      }),
      new Response('{}'),
    ]);
    expect((await f(post())).status).toBe(200);
    expect(waits).toEqual([2000, 3000]);
  });

  it('retries network errors and 5xx with doubling backoff, then hands back the last answer', async () => {
    const { f, sent, waits } = client(
      [
        new TypeError('fetch failed'),
        new Response(null, { status: 502 }),
        new Response(null, { status: 500 }),
      ],
      { attempts: 3, baseDelayMs: 100 },
    );
    expect((await f(post())).status).toBe(500);
    expect(sent).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
  });

  it('throws the network error when the last try fails', async () => {
    const { f } = client([new TypeError('a'), new TypeError('b')], { attempts: 2 });
    await expect(f(post())).rejects.toThrow('b');
  });

  it('does not retry a 4xx other than 429', async () => {
    const { f, sent } = client([new Response(null, { status: 400 })]);
    expect((await f(post())).status).toBe(400);
    expect(sent).toHaveLength(1);
  });

  it('hands back a 429 at once when Retry-After is longer than the longest wait', async () => {
    const { f, sent, waits } = client(
      [new Response(null, { status: 429, headers: { 'retry-after': '3600' } })],
      { maxDelayMs: 10_000 },
    );
    expect((await f(post())).status).toBe(429);
    expect(sent).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
