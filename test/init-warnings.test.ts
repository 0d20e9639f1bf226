import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase } from './support/databases.ts';
import { BECKON_BIN } from './support/process.ts';

/** Runs `beckon` to completion and keeps stdout, stderr and the exit code apart. */
function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BECKON_BIN, ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('beckon init and the VAPID subject', () => {
  const database = testDatabase('sqlite');
  const env = { BECKON_DATABASE_URL: database.url };

  afterAll(() => database.drop());

  it('warns on stderr without --subject and keeps --json to one line with a warnings key', async () => {
    const { code, stdout, stderr } = await run(['init', '--json'], env);
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      apiKey: expect.any(String),
      siteKey: expect.any(String),
      siteId: expect.any(String),
      vapidPublicKey: expect.any(String),
      warnings: [expect.objectContaining({ code: 'vapid-subject-placeholder' })],
    });
    expect(stderr).toContain('warning: vapidSubject mailto:webpush@beckon.invalid');
    expect(stderr).toContain('BadJwtToken');
  });

  it('says nothing with a real --subject', async () => {
    const { code, stdout, stderr } = await run(
      ['init', '--json', '--subject', 'mailto:ops@shop.com'],
      env,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ warnings: [] });
    expect(stderr).not.toContain('warning');
  });

  it('refuses a --subject that is neither mailto: nor https: and prints nothing on stdout', async () => {
    const { code, stdout, stderr } = await run(
      ['init', '--json', '--subject', 'javascript:alert(1)'],
      env,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--subject');
  });
});
