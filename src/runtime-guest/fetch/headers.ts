// Headers (https://fetch.spec.whatwg.org/#headers-class): a header list with guards, sorted and
// combined iteration, and getSetCookie. Guards follow Workers rather than browsers: there are no
// forbidden header names (a server sets Set-Cookie, Host, Content-Length…); 'immutable' is the one
// guard that refuses changes (incoming request headers, fetch responses, Response.error()).
import { HEADER_SEP } from '../../protocol/bridge.js';
import { defineInterface, requiredArguments, toByteString, isObject } from '../core/webidl.js';

export type Guard = 'none' | 'immutable' | 'request' | 'request-no-cors' | 'response';

interface HeadersState {
  /** [lowercased name, value] in insertion order (the spec's header list). */
  list: [string, string][];
  guard: Guard;
  /** Sort-and-combine result for iteration, dropped whenever the list changes. */
  sorted: [string, string][] | null;
}
// State lives in a private field (not a WeakMap): a WeakMap entry per object makes every young
// object an ephemeron key, and the tables' churn showed up as scavenge and mark-compact time
// on the request path.
let stateOf: (self: unknown) => HeadersState | undefined;
function hs(self: unknown): HeadersState {
  const s = stateOf(self);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** https://fetch.spec.whatwg.org/#concept-header-value-normalize */
function normalizeValue(v: string): string {
  return v.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}
function validate(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(name)}`);
  if (/[\0\r\n]/.test(value)) throw new TypeError(`Headers: invalid header value for ${JSON.stringify(name)}`);
}
/** The guard check before a change; with Workers semantics only 'immutable' refuses. */
function checkGuard(s: HeadersState): void {
  if (s.guard === 'immutable') throw new TypeError("Can't modify immutable headers.");
  s.sorted = null;
}

export class Headers {
  #state!: HeadersState;
  static {
    stateOf = (self) => (typeof self === 'object' && self !== null && #state in self ? (self as Headers).#state : undefined);
  }
  constructor(init: unknown = undefined) {
    const s: HeadersState = { list: [], guard: 'none', sorted: null };
    this.#state = s;
    if (init !== undefined) fillHeaders(this, init);
  }
  append(name: unknown, value: unknown): void {
    requiredArguments(arguments.length, 2, "Failed to execute 'append' on 'Headers'");
    appendHeader(this, toByteString(name), toByteString(value));
  }
  delete(name: unknown): void {
    requiredArguments(arguments.length, 1, "Failed to execute 'delete' on 'Headers'");
    const n = toByteString(name);
    if (!TOKEN.test(n)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(n)}`);
    const s = hs(this);
    const lower = n.toLowerCase();
    checkGuard(s);
    if (!s.list.some((e) => e[0] === lower)) return;
    s.list = s.list.filter((e) => e[0] !== lower);
  }
  get(name: unknown): string | null {
    requiredArguments(arguments.length, 1, "Failed to execute 'get' on 'Headers'");
    const n = toByteString(name);
    if (!TOKEN.test(n)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(n)}`);
    return getCombined(hs(this).list, n.toLowerCase());
  }
  getSetCookie(): string[] {
    return hs(this).list.filter((e) => e[0] === 'set-cookie').map((e) => e[1]);
  }
  has(name: unknown): boolean {
    requiredArguments(arguments.length, 1, "Failed to execute 'has' on 'Headers'");
    const n = toByteString(name);
    if (!TOKEN.test(n)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(n)}`);
    const lower = n.toLowerCase();
    return hs(this).list.some((e) => e[0] === lower);
  }
  set(name: unknown, value: unknown): void {
    requiredArguments(arguments.length, 2, "Failed to execute 'set' on 'Headers'");
    const n = toByteString(name);
    const v = normalizeValue(toByteString(value));
    validate(n, v);
    const s = hs(this);
    const lower = n.toLowerCase();
    checkGuard(s);
    const i = s.list.findIndex((e) => e[0] === lower);
    if (i < 0) s.list.push([lower, v]);
    else {
      s.list[i] = [lower, v];
      s.list = s.list.filter((e, j) => j <= i || e[0] !== lower);
    }
  }
  /** WebIDL's default forEach: reads the pairs live, by index, as the iterator does. */
  forEach(cb: (value: string, key: string, parent: Headers) => void, thisArg: unknown = undefined): void {
    const s = hs(this);
    requiredArguments(arguments.length, 1, "Failed to execute 'forEach' on 'Headers'");
    if (typeof cb !== 'function') throw new TypeError("Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'Function'.");
    for (let i = 0; ; i++) {
      const pairs = pairsOf(s);
      const e = pairs[i];
      if (e === undefined) return;
      Reflect.apply(cb, thisArg, [e[1], e[0], this]);
    }
  }
  keys(): IterableIterator<string> { return headersIterator(this, 0); }
  values(): IterableIterator<string> { return headersIterator(this, 1); }
  entries(): IterableIterator<[string, string]> { return headersIterator(this, 2); }
  /** The very `entries` function (installed by defineInterface). */
  declare [Symbol.iterator]: () => IterableIterator<[string, string]>;
}
defineInterface(Headers, 'Headers', { iterable: true });

/** The value pairs to iterate over: sort-and-combine of the list, cached until it changes. */
function pairsOf(s: HeadersState): [string, string][] {
  s.sorted ??= sortAndCombine(s.list);
  return s.sorted;
}

function getCombined(list: [string, string][], lower: string): string | null {
  let out: string | null = null;
  for (const [k, v] of list) if (k === lower) out = out === null ? v : `${out}, ${v}`;
  return out;
}

/** https://fetch.spec.whatwg.org/#concept-header-list-sort-and-combine */
function sortAndCombine(list: [string, string][]): [string, string][] {
  const names = [...new Set(list.map((e) => e[0]))].sort();
  const out: [string, string][] = [];
  for (const n of names) {
    if (n === 'set-cookie') {
      for (const [k, v] of list) if (k === n) out.push([n, v]);
    } else out.push([n, getCombined(list, n) as string]);
  }
  return out;
}

const IteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
interface HIter { target: Headers; i: number; kind: number }
const iterStates = new WeakMap<object, HIter>();
const HeadersIteratorProto = Object.create(IteratorProto, {
  next: {
    value: function next(this: object) {
      const it = iterStates.get(this);
      if (it === undefined) throw new TypeError('Illegal invocation');
      const pairs = pairsOf(hs(it.target));
      if (it.i >= pairs.length) return { value: undefined, done: true };
      const e = pairs[it.i++] as [string, string];
      return { value: it.kind === 0 ? e[0] : it.kind === 1 ? e[1] : [e[0], e[1]], done: false };
    },
    writable: true, enumerable: true, configurable: true,
  },
  [Symbol.toStringTag]: { value: 'Headers Iterator', configurable: true },
}) as object;
function headersIterator<T>(self: Headers, kind: number): IterableIterator<T> {
  hs(self);
  const it = Object.create(HeadersIteratorProto) as object;
  iterStates.set(it, { target: self, i: 0, kind });
  return it as IterableIterator<T>;
}

export function appendHeader(h: Headers, name: string, value: string): void {
  const v = normalizeValue(value);
  validate(name, v);
  const s = hs(h);
  checkGuard(s);
  s.list.push([name.toLowerCase(), v]);
}

/** https://fetch.spec.whatwg.org/#concept-headers-fill */
export function fillHeaders(h: Headers, init: unknown): void {
  if (!isObject(init)) throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
  const iter = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (iter !== undefined && iter !== null) {
    if (typeof iter !== 'function') throw new TypeError("Failed to construct 'Headers': The object's iterator is not callable.");
    for (const pair of init as Iterable<unknown>) {
      if (!isObject(pair)) throw new TypeError("Failed to construct 'Headers': The provided value cannot be converted to a sequence.");
      const items = [...(pair as Iterable<unknown>)];
      if (items.length !== 2) throw new TypeError("Failed to construct 'Headers': Invalid value");
      appendHeader(h, toByteString(items[0]), toByteString(items[1]));
    }
    return;
  }
  for (const key of Reflect.ownKeys(init as object)) {
    const desc = Reflect.getOwnPropertyDescriptor(init as object, key);
    if (desc === undefined || !desc.enumerable) continue;
    if (typeof key === 'symbol') throw new TypeError("Failed to construct 'Headers': Invalid header name");
    appendHeader(h, toByteString(key), toByteString((init as Record<string, unknown>)[key]));
  }
}

export function setGuard(h: Headers, guard: Guard): void {
  hs(h).guard = guard;
}
/** The live header list. Callers that change it must not (the iteration cache would be stale). */
export function headerList(h: Headers): [string, string][] {
  return hs(h).list;
}
/** Builds Headers straight from a trusted flat [name, value, …] list (incoming requests). */
export function headersFromFlat(flat: string[], guard: Guard): Headers {
  const h = new Headers();
  const s = hs(h);
  for (let i = 0; i + 1 < flat.length; i += 2) s.list.push([(flat[i] as string).toLowerCase(), flat[i + 1] as string]);
  s.guard = guard;
  return h;
}
/** Headers from the host's joined form (HEADER_SEP between names and values). */
export function headersFromJoined(joined: string, guard: Guard): Headers {
  return headersFromFlat(joined === '' ? [] : joined.split(HEADER_SEP), guard);
}
/** The joined form for the host. */
export function headersToJoined(h: Headers): string {
  let out = '';
  for (const [k, v] of hs(h).list) out += out === '' ? `${k}${HEADER_SEP}${v}` : `${HEADER_SEP}${k}${HEADER_SEP}${v}`;
  return out;
}
/** Flat [name, value, …] list for the wire. */
export function headersToFlat(h: Headers): string[] {
  const out: string[] = [];
  for (const [k, v] of hs(h).list) out.push(k, v);
  return out;
}
export function cloneHeaders(h: Headers, guard: Guard): Headers {
  const out = new Headers();
  const s = hs(out);
  s.list = hs(h).list.map((e) => [e[0], e[1]]);
  s.guard = guard;
  s.sorted = null;
  return out;
}
