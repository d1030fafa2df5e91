import { type Logger, LogLevel } from '@slack/logger';
import pino, { type DestinationStream } from 'pino';
import { formatId } from '../domain/ids.ts';
import type { LogSink } from '../domain/ports.ts';
import { logContext, withLogContext } from '../log-context.ts';


/** Secrets a message could echo: Slack tokens, the API's tokens, an Authorization header's value. */
const SECRETS = /\b(xox[abposr]-|xapp-|sbx_)[A-Za-z0-9_-]+|(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
export const maskSecrets = (text: string) => text.replace(SECRETS, (_match, prefix: string | undefined, scheme: string | undefined) => `${prefix ?? `${scheme} `}***`);

const text = (parts: unknown[]) => maskSecrets(parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' '));

/**
 * A Bolt logger that writes one JSON object per line (LOG_FORMAT=json): its level, time, message, the logger's name
 * and the context of the work it belongs to. Errors keep their stack under `error`; secrets are masked.
 */
export function jsonLogger(destination: DestinationStream = pino.destination({ sync: true })): Logger {
  let level = LogLevel.INFO;
  let log = pino({ level, base: undefined, mixin: logContext, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  const write = (method: 'debug' | 'info' | 'warn' | 'error') => (...parts: unknown[]) => {
    const error = parts.find((p): p is Error => p instanceof Error);
    if (error) log[method]({ error: { type: error.name, message: maskSecrets(error.message), stack: maskSecrets(error.stack ?? '') } }, text(parts));
    else log[method](text(parts));
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (l) => {
      level = l;
      log.level = l;
    },
    getLevel: () => level,
    setName: (name) => {
      log = log.child({ name });
    },
  };
}

/** Each line of a run's log also goes to the server's log, as one object naming the run (LOG_FORMAT=json). */
export const runLinesTo = (logger: Logger): LogSink => ({
  line: (run, line) => withLogContext({ run: formatId('run', run.id), runKind: run.kind }, async () => logger[line.level === 'error' ? 'error' : line.level === 'warn' ? 'warn' : 'info'](line.text)),
});
