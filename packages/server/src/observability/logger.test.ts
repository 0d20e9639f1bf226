import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../../../test/support/capture-logs.ts';
import { configureLogging, log } from './logger.ts';

describe('log', () => {
  afterEach(() => configureLogging({ level: 'info', pii: false }));

  it('writes JSON lines with their level, time and the fields given (a request or job id)', () => {
    const { lines, destination } = captureLogs();
    configureLogging({ level: 'info', pii: false, destination });
    log('working', { requestId: 'req-1' });
    log('job job_1 attempt 1 failed: boom', { jobId: 'job_1' });
    log('outside');
    expect(lines.map((l) => [l.level, l.msg, l.requestId, l.jobId])).toEqual([
      ['info', 'working', 'req-1', undefined],
      ['error', 'job job_1 attempt 1 failed: boom', undefined, 'job_1'],
      ['info', 'outside', undefined, undefined],
    ]);
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('never writes keys or secrets given as fields', () => {
    const { lines, destination } = captureLogs();
    configureLogging({ level: 'info', pii: false, destination });
    log('created', {
      apiKey: 'bk_live_abc',
      site: { identitySecret: 'id-secret', vapidPrivateKey: 'vapid-private' },
      webhook: { secret: 'whsec_xyz' },
      segment: { writeKey: 'write-key' },
      headers: { authorization: 'Bearer bk_live_abc' },
    });
    const text = JSON.stringify(lines);
    for (const secret of ['bk_live_abc', 'id-secret', 'vapid-private', 'whsec_xyz', 'write-key'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('honours the level', () => {
    const { lines, destination } = captureLogs();
    configureLogging({ level: 'warn', pii: false, destination });
    log('chatty');
    log('cannot record delivery d1');
    expect(lines.map((l) => l.msg)).toEqual(['cannot record delivery d1']);
  });
});
