// Per-app limits on console output: a token bucket for lines and one for bytes (each refilled
// every second up to one second's worth), and a maximum line size. An app's console output costs
// host memory and stdout bandwidth that its isolate's memoryLimit does not cover, so a flood is
// cut here, before a line reaches the logger.
import { Buffer } from 'node:buffer';
import type { Logger } from 'pino';
import type { Hooks } from './hooks.js';
import { LOG_DEFAULTS } from '../config/schema.js';
import { LOG_DROPPED } from '../protocol/bridge.js';

/** The resolved log limits of one app (defaults in src/config/schema.ts). */
export interface LogLimits {
  /** Console lines per second, sustained; also the burst. */
  readonly linesPerSec: number;
  /** Console bytes (UTF-8) per second, sustained; also the burst. */
  readonly bytesPerSec: number;
  /** Longest line kept whole, in UTF-8 bytes; longer ones are cut and marked. */
  readonly maxLineBytes: number;
}

/** How often at most the limiter reports dropped lines (one log line per report). */
export const DROP_REPORT_MS = 1000;

/** What a report says: lines dropped since the last one, and which bucket ran dry first. */
export interface DropReport {
  readonly dropped: number;
  readonly limit: 'logLinesPerSec' | 'logBytesPerSec';
}

/** Cuts `text` to at most `max` UTF-8 bytes (never mid-character) and marks the cut. */
export function truncateLine(text: string, max: number): string {
  // A UTF-16 unit is 1–3 UTF-8 bytes, so a text of at most `max` units may still be too long,
  // and one of more than `max` units always is.
  if (text.length <= max / 3) return text;
  const head = text.length > max ? text.slice(0, max) : text;
  const bytes = Buffer.byteLength(head, 'utf8');
  if (head === text && bytes <= max) return text;
  let kept = head;
  if (bytes > max) {
    kept = Buffer.from(head, 'utf8').subarray(0, max).toString('utf8');
    // A sequence cut in the middle decodes as U+FFFD: drop it.
    if (kept.endsWith('\uFFFD') && !head.startsWith(kept)) kept = kept.slice(0, -1);
  }
  return `${kept} …[line truncated to limits.logLineBytes = ${max} bytes]`;
}

export class LogLimiter {
  readonly #limits: LogLimits;
  readonly #now: () => number;
  readonly #report: (r: DropReport) => void;
  #lines: number;
  #bytes: number;
  #refilled: number;
  #dropped = 0;
  #droppedBy: DropReport['limit'] = 'logLinesPerSec';
  #timer: NodeJS.Timeout | null = null;

  /** `report` is called at most once per DROP_REPORT_MS while lines are being dropped. */
  constructor(limits: LogLimits, report: (r: DropReport) => void, now: () => number = () => performance.now()) {
    this.#limits = limits;
    this.#report = report;
    this.#now = now;
    this.#lines = limits.linesPerSec;
    this.#bytes = limits.bytesPerSec;
    this.#refilled = now();
  }

  /** The limits as the guest console applies them first (in `call('limits')`). */
  wire(): [linesPerSec: number, bytesPerSec: number, maxLineBytes: number] {
    const l = this.#limits;
    return [l.linesPerSec, l.bytesPerSec, l.maxLineBytes];
  }

  /**
   * The line to log (cut to the maximum size when longer), or null when it is dropped. A line of
   * level LOG_DROPPED is the guest console's count of lines it dropped itself: counted, not logged.
   * @limit logLinesPerSec, logBytesPerSec, logLineBytes
   */
  admit(level: string, text: string): string | null {
    if (level === LOG_DROPPED) {
      const [count, by] = text.split(' ');
      const n = Number(count);
      if (Number.isSafeInteger(n) && n > 0) this.#countDropped(n, by === 'b' ? 'logBytesPerSec' : 'logLinesPerSec');
      return null;
    }
    const now = this.#now();
    const elapsed = (now - this.#refilled) / 1000;
    if (elapsed > 0) {
      const l = this.#limits;
      this.#lines = Math.min(l.linesPerSec, this.#lines + elapsed * l.linesPerSec);
      this.#bytes = Math.min(l.bytesPerSec, this.#bytes + elapsed * l.bytesPerSec);
      this.#refilled = now;
    }
    if (this.#lines < 1) return this.#drop('logLinesPerSec');
    const line = truncateLine(text, this.#limits.maxLineBytes);
    const size = Buffer.byteLength(line, 'utf8');
    if (size > this.#bytes) return this.#drop('logBytesPerSec');
    this.#lines -= 1;
    this.#bytes -= size;
    return line;
  }

  /** Lines dropped and not reported yet. */
  get pending(): number {
    return this.#dropped;
  }

  /** Reports what is still pending now and stops the report timer (the app version retired). */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#flush();
  }

  #drop(limit: DropReport['limit']): null {
    this.#countDropped(1, limit);
    return null;
  }

  #countDropped(n: number, limit: DropReport['limit']): void {
    if (this.#dropped === 0) this.#droppedBy = limit;
    this.#dropped += n;
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, DROP_REPORT_MS).unref();
  }

  #flush(): void {
    if (this.#dropped === 0) return;
    const r: DropReport = { dropped: this.#dropped, limit: this.#droppedBy };
    this.#dropped = 0;
    this.#report(r);
  }
}

/**
 * The limiter of one app's console: `admit` each line; dropped lines are counted in the hooks
 * (`nano_log_lines_dropped_total{app}`) and reported in one warning per interval, naming the
 * limit so the operator knows what to raise. `log` is the app's child logger.
 */
export function consoleLimiter(app: string, limits: LogLimits | undefined, log: Logger, hooks: Hooks): LogLimiter {
  const l = limits ?? { linesPerSec: LOG_DEFAULTS.logLinesPerSec, bytesPerSec: LOG_DEFAULTS.logBytesPerSec, maxLineBytes: LOG_DEFAULTS.logLineBytes };
  return new LogLimiter(l, (r) => {
    hooks.logDropped(app, r.dropped);
    const rate = r.limit === 'logLinesPerSec' ? `${l.linesPerSec} lines` : `${l.bytesPerSec} bytes`;
    log.warn({ code: 'NANO_ERR_LOG_RATE', dropped: r.dropped, limit: r.limit }, `app "${app}" logged over its limit of ${rate} per second (limits.${r.limit}): ${r.dropped} console lines dropped`);
  });
}
