// console: formats arguments inside the isolate (printf-style %s %d %i %f %o %O %j %%) and sends
// one text line per call to the host, which tags it with the app name in the log.
import { hostSend } from './host.js';
import { Signal } from '../protocol/bridge.js';

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
    const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect((obj as Record<string, unknown>)[k], depth - 1, seen)}`);
    const prefix = typeof tag === 'string' ? `${tag} ` : '';
    return body.length === 0 ? `${prefix}{}` : `${prefix}{ ${body.join(', ')} }`;
  } finally {
    seen.delete(obj);
  }
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
        case 'd': case 'i': return typeof v === 'bigint' ? `${v}n` : String(f === 'i' ? Math.trunc(Number(v)) : Number(v));
        case 'f': return String(Number(v));
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

function emit(level: string, args: unknown[]): void {
  hostSend(Signal.log, level, groupIndent + format(args));
}

export const console = {
  log: (...a: unknown[]) => emit('info', a),
  info: (...a: unknown[]) => emit('info', a),
  debug: (...a: unknown[]) => emit('debug', a),
  trace: (...a: unknown[]) => emit('debug', a),
  warn: (...a: unknown[]) => emit('warn', a),
  error: (...a: unknown[]) => emit('error', a),
  dir: (v: unknown) => emit('info', [inspect(v)]),
  dirxml: (...a: unknown[]) => emit('info', a),
  table: (...a: unknown[]) => emit('info', a),
  assert: (cond?: unknown, ...a: unknown[]) => {
    if (!cond) emit('error', ['Assertion failed' + (a.length > 0 ? ':' : ''), ...a]);
  },
  count: (label: unknown = 'default') => {
    const k = String(label);
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    emit('info', [`${k}: ${n}`]);
  },
  countReset: (label: unknown = 'default') => void counts.delete(String(label)),
  group: (...a: unknown[]) => {
    if (a.length > 0) emit('info', a);
    groupIndent += '  ';
  },
  groupCollapsed: (...a: unknown[]) => console.group(...a),
  groupEnd: () => void (groupIndent = groupIndent.slice(2)),
  time: (label: unknown = 'default') => void timersStart.set(String(label), Date.now()),
  timeLog: (label: unknown = 'default', ...a: unknown[]) => {
    const t = timersStart.get(String(label));
    emit('info', [`${String(label)}: ${t === undefined ? 'no such timer' : `${Date.now() - t}ms`}`, ...a]);
  },
  timeEnd: (label: unknown = 'default') => {
    console.timeLog(label);
    timersStart.delete(String(label));
  },
  clear: () => {},
};
