/**
 * A throwaway self-signed certificate for the HTTPS push service, made with the `openssl` CLI
 * (node:crypto can make keys but not X.509 certificates).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCertificate {
  /** PEM private key. */
  key: string;
  /** PEM certificate; also the CA clients must trust. */
  cert: string;
}

const run = promisify(execFile);

/**
 * Valid two days for `127.0.0.1`, `localhost` and `host`.
 *
 * @example
 * const { key, cert } = await createSelfSignedCertificate('127.0.0.1');
 * const agent = new https.Agent({ ca: cert });
 */
export async function createSelfSignedCertificate(host: string): Promise<SelfSignedCertificate> {
  const names = new Set(['IP:127.0.0.1', 'DNS:localhost', `${isIP(host) ? 'IP' : 'DNS'}:${host}`]);
  const dir = await mkdtemp(join(tmpdir(), 'beckon-push-service-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${host}`,
        '-addext',
        `subjectAltName=${[...names].join(',')}`,
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { timeout: 30_000 },
    );
    const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    return { key, cert };
  } catch (error) {
    throw new Error(
      `could not make a self-signed certificate with the openssl CLI (is it installed?): ${String(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
