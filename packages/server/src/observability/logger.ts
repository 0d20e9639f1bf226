import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFields = Record<string, unknown>;

/**
 * Fields no log line may show, wherever they sit one or two levels down: keys and secrets
 * (API keys, identity and webhook secrets, VAPID private keys, Segment write keys) and
 * credentials in headers. pino replaces them before the line is written.
 */
const REDACT = [
  'apiKey',
  'key',
  'secret',
  'identitySecret',
  'previousIdentitySecret',
  'vapidPrivateKey',
  'writeKey',
  'password',
  'authorization',
  'cookie',
  '*.apiKey',
  '*.key',
  '*.secret',
  '*.identitySecret',
  '*.previousIdentitySecret',
  '*.vapidPrivateKey',
  '*.writeKey',
  '*.password',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
];

/**
 * A JSON logger on stderr (one object per line, `time` in ISO-8601), at `level`; in a
 * terminal (stderr is a TTY) the same lines pretty-printed for a person, synchronously.
 *
 * Off a terminal, lines are written asynchronously (sonic-boom, `sync: false`): a line goes
 * into a buffer and the buffer is written while the request carries on; lines logged while
 * a write is under way go out together in the next one. A synchronous `write(2)` per line was
 * issue 14's largest cost of a cheap request (`GET /v1/subscribers`). pino flushes the buffer
 * synchronously when the process exits — `process.exit`, a signal's shutdown, an uncaught
 * exception — so only a `kill -9` (or the kernel's OOM killer) can lose the last lines, the
 * ones not yet written; never data, which is committed before anything is logged about it.
 *
 * @example const logger = createLogger({ level: 'info' }); logger.info({ jobId }, 'done');
 */
export function createLogger(opts: {
  level: LogLevel;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: opts.level,
      base: { name: 'beckon' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ??
      (process.stderr.isTTY
        ? pretty({ destination: 2, sync: true, colorize: true })
        : pino.destination({ dest: 2, sync: false, minLength: 0 })),
  );
}

/**
 * The process's logging settings. One process logs through one configuration, set once by
 * the entry point from the validated config (`configureLogging`); until then, `info`.
 */
let root = createLogger({ level: 'info' });
let pii = false;

export function configureLogging(settings: {
  level: LogLevel;
  pii: boolean;
  destination?: pino.DestinationStream;
}): void {
  root = createLogger(settings);
  pii = settings.pii;
}

/** Whether externalIds (and other end-user identifiers) may be logged (`BECKON_LOG_PII=1`). */
export const logPii = () => pii;

/** The logger as configured now (the request logger writes through it). */
export const logger = () => root;

/**
 * The `log(message)` every worker and route was handed before structured logs: kept, so call
 * sites stay as they are. Messages about failures go out at `error`, others at `info`.
 * Callers that know their request or job pass its id as a field (`requestId`, `jobId`):
 * carrying it implicitly would need AsyncLocalStorage, whose promise hooks cost Node 20 about
 * half the fan-out's speed (crash-recovery test: 12–14 s without, 30 s with).
 *
 * @example log('job job_1 failed: …', { jobId: 'job_1' });
 */
export function log(message: string, fields: LogFields = {}): void {
  if (/\b(fail(ed|s)?|error|cannot|unhandled)\b/i.test(message)) root.error(fields, message);
  else root.info(fields, message);
}
