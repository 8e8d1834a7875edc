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
  const dest = opts.destination ?? boundedStdout();
  return pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, dest as never);
}

/**
 * Bytes of log lines held in memory while stdout is slower than the server writes. Past it a new
 * line is dropped whole rather than buffered, so a slow or stuck reader of stdout costs at most
 * this much host memory; the count of dropped lines is logged once the buffer has room again.
 */
export const STDOUT_BUFFER_BYTES = 16 * 1024 * 1024;

/** stdout as pino's asynchronous destination (sonic-boom), its buffer bounded. */
function boundedStdout(): ReturnType<typeof pino.destination> {
  const dest = pino.destination({ fd: 1, sync: false, maxLength: STDOUT_BUFFER_BYTES });
  let dropped = 0;
  let timer: NodeJS.Timeout | null = null;
  /** Set while the report itself is written: its own drop must not count as a log line's. */
  let reportLost: (() => void) | null = null;
  const report = (): void => {
    timer = null;
    const n = dropped;
    dropped = 0;
    let lost = false;
    reportLost = () => (lost = true);
    dest.write(`${JSON.stringify({ level: 40, time: new Date().toISOString(), code: 'NANO_ERR_LOG_RATE', dropped: n, msg: `stdout is slower than the log: ${n} lines dropped (buffer limit ${STDOUT_BUFFER_BYTES} bytes)` })}\n`);
    reportLost = null;
    if (lost) {
      dropped += n;
      timer = setTimeout(report, 1000).unref();
    }
  };
  dest.on('drop', () => {
    if (reportLost !== null) return reportLost();
    dropped++;
    timer ??= setTimeout(report, 1000).unref();
  });
  return dest;
}

/** A logger that drops everything (tests and benchmarks that do not read logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
