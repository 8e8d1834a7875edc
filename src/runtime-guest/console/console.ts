// console (https://console.spec.whatwg.org/): formats arguments inside the isolate (printf-style
// %s %d %i %f %o %O %j %c %%) and sends one text line per call to the host, which tags it with the
// app name in the log.
import { hostSend } from '../core/host.js';
import { guestLimits } from '../core/guest-limits.js';
import { LOG_DROPPED, Signal } from '../../protocol/bridge.js';
import { now } from '../core/clock.js';

export function inspect(value: unknown, depth = 2, seen: Set<unknown> = new Set()): string {
  switch (typeof value) {
    case 'string':
      return seen.size === 0 ? value : JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
    case 'boolean':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function: ${value.name || '(anonymous)'}]`;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (seen.has(obj)) return '[Circular]';
  if (obj instanceof Error) return obj.stack ?? `${obj.name}: ${obj.message}`;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof RegExp) return String(obj);
  if (depth < 0) return Array.isArray(obj) ? '[Array]' : '[Object]';
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items = obj.slice(0, 100).map((v) => inspect(v, depth - 1, seen));
      if (obj.length > 100) items.push(`... ${obj.length - 100} more items`);
      return `[ ${items.join(', ')} ]`;
    }
    if (ArrayBuffer.isView(obj)) {
      const name = obj.constructor.name;
      const arr = Array.from(obj as unknown as ArrayLike<number>).slice(0, 50);
      return `${name}(${(obj as unknown as ArrayLike<number>).length}) [ ${arr.join(', ')} ]`;
    }
    if (obj instanceof Map) {
      return `Map(${obj.size}) { ${[...obj].map(([k, v]) => `${inspect(k, depth - 1, seen)} => ${inspect(v, depth - 1, seen)}`).join(', ')} }`;
    }
    if (obj instanceof Set) return `Set(${obj.size}) { ${[...obj].map((v) => inspect(v, depth - 1, seen)).join(', ')} }`;
    const tag = (obj as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
    const keys = Object.keys(obj);
    // Accessors are shown, not called: printing must not run app code.
    const body = keys.map((k) => {
      const d = Object.getOwnPropertyDescriptor(obj, k);
      const shown = d === undefined ? 'undefined' : 'value' in d ? inspect(d.value, depth - 1, seen) : d.get !== undefined && d.set !== undefined ? '[Getter/Setter]' : d.get !== undefined ? '[Getter]' : '[Setter]';
      return `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${shown}`;
    });
    const prefix = typeof tag === 'string' ? `${tag} ` : className(obj);
    return body.length === 0 ? `${prefix}{}` : `${prefix}{ ${body.join(', ')} }`;
  } finally {
    seen.delete(obj);
  }
}

/** `Name ` for instances of classes other than Object (as Node prints them), else ''. */
function className(obj: object): string {
  const proto = Object.getPrototypeOf(obj) as { constructor?: unknown } | null;
  if (proto === null) return '[Object: null prototype] ';
  if (proto === Object.prototype) return '';
  const ctor = proto.constructor;
  return typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '' ? `${ctor.name} ` : '';
}

function toNumberForFormat(v: unknown): number {
  return typeof v === 'symbol' ? NaN : Number(v);
}

export function format(args: unknown[]): string {
  if (args.length === 0) return '';
  let first = args[0];
  let rest = args.slice(1);
  if (typeof first === 'string' && first.includes('%')) {
    let i = 0;
    first = first.replace(/%([sdifoOjc%])/g, (m, f: string) => {
      if (f === '%') return '%';
      if (i >= rest.length) return m;
      const v = rest[i++];
      switch (f) {
        case 's': return typeof v === 'string' ? v : inspect(v, 1);
        case 'd': case 'i': return typeof v === 'bigint' ? `${v}n` : String(f === 'i' ? Math.trunc(toNumberForFormat(v)) : toNumberForFormat(v));
        case 'f': return String(toNumberForFormat(v));
        case 'j': try { return JSON.stringify(v); } catch { return '[Circular]'; }
        case 'c': return '';
        default: return inspect(v, 4);
      }
    });
    rest = rest.slice(i);
  }
  return [first, ...rest].map((v) => (typeof v === 'string' ? v : inspect(v))).join(' ');
}

const counts = new Map<string, number>();
const timersStart = new Map<string, number>();
let groupIndent = '';

/**
 * The app's console limits, applied here before a line is formatted and sent: the host applies
 * them again (they are its to enforce), but every line sent costs host memory and main-thread
 * work before the host can drop it, so a flood is cut where it starts. Lines dropped here are
 * reported to the host as a count (level LOG_DROPPED), at most every REPORT_MS while dropping.
 */
const REPORT_MS = 100;
type LogLimits = [linesPerSec: number, bytesPerSec: number, maxLineBytes: number];
let limits: LogLimits | null = null;
let lineTokens = 0;
let byteTokens = 0;
let refilled = 0;
let dropped = 0;
let droppedBy = 'l';
let reported = -Infinity;

function loadLimits(): LogLimits {
  const l = guestLimits();
  limits = [l[0], l[1], l[2]];
  lineTokens = limits[0];
  byteTokens = limits[1];
  refilled = now();
  return limits;
}

function drop(by: string): void {
  if (dropped === 0) droppedBy = by;
  dropped++;
  const t = now();
  if (t - reported >= REPORT_MS) flushDropped(t);
}

function flushDropped(t: number): void {
  if (dropped === 0) return;
  hostSend(Signal.log, LOG_DROPPED, `${dropped} ${droppedBy}`);
  dropped = 0;
  reported = t;
}

function emit(level: string, args: unknown[]): void {
  const [linesPerSec, bytesPerSec, maxLineBytes] = limits ?? loadLimits();
  if (linesPerSec === Infinity) {
    hostSend(Signal.log, level, groupIndent + format(args));
    return;
  }
  const t = now();
  const elapsed = (t - refilled) / 1000;
  refilled = t;
  lineTokens = Math.min(linesPerSec, lineTokens + elapsed * linesPerSec);
  byteTokens = Math.min(bytesPerSec, byteTokens + elapsed * bytesPerSec);
  if (lineTokens < 1) return drop('l');
  let line = groupIndent + format(args);
  // One unit past the limit tells the host the line was longer: it cuts it to bytes and marks it.
  if (line.length > maxLineBytes) line = line.slice(0, maxLineBytes + 1);
  // UTF-16 units are a lower bound of UTF-8 bytes; the host measures bytes exactly.
  if (line.length > byteTokens) return drop('b');
  lineTokens -= 1;
  byteTokens -= line.length;
  flushDropped(t);
  hostSend(Signal.log, level, line);
}

export const console = {
  log: (...a: unknown[]) => emit('info', a),
  info: (...a: unknown[]) => emit('info', a),
  debug: (...a: unknown[]) => emit('debug', a),
  trace: (...a: unknown[]) => {
    const stack = (new Error().stack ?? '').split('\n').slice(2).join('\n');
    emit('debug', [`Trace${a.length > 0 ? ': ' : ''}${format(a)}${stack === '' ? '' : `\n${stack}`}`]);
  },
  warn: (...a: unknown[]) => emit('warn', a),
  error: (...a: unknown[]) => emit('error', a),
  dir: (item: unknown = undefined, options: unknown = undefined) => {
    const depth = typeof options === 'object' && options !== null && typeof (options as { depth?: unknown }).depth === 'number' ? (options as { depth: number }).depth : 2;
    emit('info', [inspect(item, depth)]);
  },
  dirxml: (...a: unknown[]) => emit('info', a),
  table: (...a: unknown[]) => emit('info', a),
  /** https://console.spec.whatwg.org/#assert */
  assert: (condition: unknown = false, ...data: unknown[]) => {
    if (condition) return;
    if (data.length === 0) emit('error', ['Assertion failed']);
    else if (typeof data[0] === 'string') emit('error', [`Assertion failed: ${data[0]}`, ...data.slice(1)]);
    else emit('error', ['Assertion failed:', ...data]);
  },
  count: (label: unknown = 'default') => {
    const k = String(label);
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    emit('info', [`${k}: ${n}`]);
  },
  countReset: (label: unknown = 'default') => {
    const k = String(label);
    if (counts.has(k)) counts.set(k, 0);
    else emit('warn', [`Count for '${k}' does not exist`]);
  },
  group: (...a: unknown[]) => group(a),
  groupCollapsed: (...a: unknown[]) => group(a),
  groupEnd: () => void (groupIndent = groupIndent.slice(2)),
  time: (label: unknown = 'default') => {
    const k = String(label);
    if (timersStart.has(k)) emit('warn', [`Timer '${k}' already exists`]);
    else timersStart.set(k, now());
  },
  timeLog: (label: unknown = 'default', ...a: unknown[]) => timeLog(String(label), a, false),
  timeEnd: (label: unknown = 'default') => timeLog(String(label), [], true),
  clear: () => void (groupIndent = ''),
};

function group(a: unknown[]): void {
  if (a.length > 0) emit('info', a);
  groupIndent += '  ';
}

function timeLog(label: string, data: unknown[], end: boolean): void {
  const t = timersStart.get(label);
  if (t === undefined) {
    emit('warn', [`Timer '${label}' does not exist`]);
    return;
  }
  if (end) timersStart.delete(label);
  emit('info', [`${label}: ${now() - t}ms`, ...data]);
}

// The console namespace object (https://webidl.spec.whatwg.org/#es-namespaces): enumerable
// members, a @@toStringTag, and, for web compatibility, an empty object as its [[Prototype]].
Object.defineProperty(console, Symbol.toStringTag, { value: 'console', configurable: true });
Object.setPrototypeOf(console, Object.create(Object.prototype) as object);
