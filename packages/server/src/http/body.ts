import { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { createUnzip } from 'node:zlib';
import { ProblemError } from './problem.ts';

/** Default body limit: a push payload is 4 KB, a batch of events a few hundred KB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Compressed input is fed to zlib in slices this small: deflate expands at most ~1,032:1, so
 * one slice can never inflate to more than about a megabyte before the limit is checked.
 */
const INFLATE_SLICE = 1024;

/**
 * Reads a request body while it streams, counting bytes as they arrive (after decompression
 * when `Content-Encoding` is gzip or deflate), and stops at `maxBytes` with a 413 — whether
 * the body is chunked, has a Content-Length or has a lying one. Nothing past the limit is
 * kept; the rest of the upload is drained and dropped by the server.
 *
 * @example const bytes = await readBody(c.req.raw, 64 * 1024 * 1024);
 */
export async function readBody(request: Request, maxBytes = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const encoding = contentEncoding(request.headers.get('content-encoding'));
  const tooLarge = () =>
    new ProblemError(413, 'Payload Too Large', `The body exceeds ${maxBytes} bytes`);
  // An honest Content-Length over the limit is refused before a byte is read.
  if (encoding === 'identity' && Number(request.headers.get('content-length')) > maxBytes) {
    throw tooLarge();
  }
  if (!request.body) return Buffer.alloc(0);

  const chunks: Buffer[] = [];
  let total = 0;
  const keep = (chunk: Uint8Array) => {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };
  const source = chunksOf(request.body);
  if (encoding === 'identity') {
    for await (const chunk of source) keep(chunk);
    return Buffer.concat(chunks, total);
  }
  try {
    await pipeline(sliced(source), createUnzip(), async (inflated: AsyncIterable<Buffer>) => {
      for await (const chunk of inflated) keep(chunk);
    });
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw new ProblemError(400, 'Malformed body', `The body is not valid ${encoding} data`);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The uncompressed body straight from Node's request stream (`@hono/node-server` passes it
 * as `c.env.incoming`), with the same limit as `readBody`: building the web `Request` and
 * its `ReadableStream` only to read a small JSON body cost more than the rest of a
 * single-event request. Past the limit the rest of the upload is drained and dropped, and
 * the 413 still goes out. Null when this path does not apply (compressed, or already read).
 *
 * @example const bytes = await readNodeBody(c.env?.incoming, c.req.header('content-encoding'), DEFAULT_BODY_LIMIT);
 */
export function readNodeBody(
  incoming: unknown,
  headers: { encoding?: string; length?: string },
  maxBytes = DEFAULT_BODY_LIMIT,
): Promise<Buffer> | null {
  if (!(incoming instanceof IncomingMessage)) return null;
  if (incoming.readableFlowing !== null || incoming.readableEnded) return null;
  if (contentEncoding(headers.encoding ?? null) !== 'identity') return null;
  const tooLarge = () =>
    new ProblemError(413, 'Payload Too Large', `The body exceeds ${maxBytes} bytes`);
  if (Number(headers.length) > maxBytes) return Promise.reject(tooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        stop();
        incoming.resume();
        reject(tooLarge());
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // The client went away before the end: nobody is waiting for an answer.
    const onClose = () => onError(new Error('the request was aborted before its body ended'));
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * `gzip`, `x-gzip` and `deflate` (RFC 9110 §8.4.1: zlib-wrapped) are decoded; zlib's unzip
 * tells gzip from zlib by the header. Anything else → 415, as RFC 9110 §15.5.16 asks.
 */
function contentEncoding(header: string | null): 'identity' | 'gzip' | 'deflate' {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  throw new ProblemError(
    415,
    'Unsupported Media Type',
    `Content-Encoding ${header} is not supported; use gzip, deflate or none`,
  );
}

/** The web stream as an async iterable that cancels the stream when the reader stops early. */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}

async function* sliced(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let at = 0; at < chunk.byteLength; at += INFLATE_SLICE) {
      yield chunk.subarray(at, at + INFLATE_SLICE);
    }
  }
}
