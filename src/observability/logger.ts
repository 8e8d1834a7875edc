// The process logger (pino): one JSON line per event, or a human-readable form on a terminal.
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  /** 'json' (default when not a TTY) or 'pretty'. */
  readonly format?: 'json' | 'pretty';
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.NANO_LOG_LEVEL ?? 'info';
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino({ level, base: null }, pino.transport({ target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' } }) as unknown as never);
  }
  const dest = opts.destination ?? pino.destination({ fd: 1, sync: false });
  return pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, dest as never);
}

/** A logger that drops everything (tests and benchmarks that do not read logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
