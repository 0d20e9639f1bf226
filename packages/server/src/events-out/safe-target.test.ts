import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPoster } from './http-post.ts';
import { isPublicAddress, targetProblem } from './safe-target.ts';

describe('isPublicAddress', () => {
  it('refuses private, loopback, link-local, metadata and mapped addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });
});

describe('targetProblem', () => {
  it('accepts https: to a public host, or an allowed origin', () => {
    expect(targetProblem('https://hooks.example.com/x', [])).toBeUndefined();
    expect(targetProblem('http://127.0.0.1:9000/x', ['http://127.0.0.1:9000'])).toBeUndefined();
  });
  it('refuses http:, private literals, local names and credentials', () => {
    expect(targetProblem('http://hooks.example.com/x', [])).toBe('must be https:');
    expect(targetProblem('https://10.0.0.1/x', [])).toBe('must be a public address');
    expect(targetProblem('https://[::1]/x', [])).toBe('must be a public address');
    expect(targetProblem('https://metadata.internal/x', [])).toBe('must be a public host');
    expect(targetProblem('https://a:b@hooks.example.com/', [])).toBe('must not carry credentials');
    expect(targetProblem('nope', [])).toBe('is not a URL');
  });
});

describe('createPoster', () => {
  it('refuses at connect time a name that resolves to a private address (no DNS rebinding)', async () => {
    // A listener on loopback that must never be reached: `localhost` passes a name check
    // that does not resolve, and resolves to 127.0.0.1 when the connection is made.
    let reached = 0;
    const server = createServer((_req, res) => {
      reached += 1;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const poster = createPoster([]);
    try {
      const result = await poster.post(`https://localhost:${port}/hook`, {}, '{}');
      expect(result).toMatchObject({ ok: false, status: 0 });
      expect(result.error).toMatch(/non-public address/);
      expect(await poster.post(`https://127.0.0.1:${port}/hook`, {}, '{}')).toMatchObject({
        ok: false,
        error: 'destination not allowed',
      });
      expect(await poster.post(`http://example.com/hook`, {}, '{}')).toMatchObject({
        ok: false,
        error: 'destination not allowed',
      });
      expect(reached).toBe(0);
    } finally {
      poster.close();
      server.close();
    }
  });
});
