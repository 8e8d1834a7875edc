// URL and URLSearchParams (https://url.spec.whatwg.org/). Parsing is the host's WHATWG parser
// (Node's Ada) through the `urlParse`/`urlSet` host calls; URLSearchParams lives here, the File
// API's URL.createObjectURL/revokeObjectURL in blob-url.ts.
import { hostCall } from '../core/host.js';
import { URL_MAX_LENGTH } from '../../protocol/bridge.js';
import { defineInterface, requiredArguments, toUSVString, isObject } from '../core/webidl.js';
import { utf8Encode, utf8DecodeKeepBOM } from '../encoding/utf8.js';
import { createObjectURL, revokeObjectURL } from '../file/blob-url.js';

/** [href, origin, protocol, username, password, host, hostname, port, pathname, search, hash] */
type Parts = [string, string, string, string, string, string, string, string, string, string, string];

interface UrlState {
  parts: Parts;
  query: URLSearchParams | null;
}
const urls = new WeakMap<object, UrlState>();
function us(self: unknown): UrlState {
  const s = urls.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

function parse(input: string, base: string | undefined): Parts | null {
  // The host refuses longer strings too; checked here so they are not copied to it first.
  if (input.length > URL_MAX_LENGTH || (base !== undefined && base.length > URL_MAX_LENGTH)) return null;
  return hostCall<Parts | null>('urlParse', input, base);
}

export class URL {
  constructor(url: unknown, base: unknown = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'URL'");
    const input = toUSVString(url);
    const baseStr = base === undefined ? undefined : toUSVString(base);
    const parts = parse(input, baseStr);
    if (parts === null) throw new TypeError(`Failed to construct 'URL': Invalid URL`);
    urls.set(this, { parts, query: null });
  }
  static canParse(url: unknown, base: unknown = undefined): boolean {
    requiredArguments(arguments.length, 1, "Failed to execute 'canParse' on 'URL'");
    return parse(toUSVString(url), base === undefined ? undefined : toUSVString(base)) !== null;
  }
  static parse(url: unknown, base: unknown = undefined): URL | null {
    requiredArguments(arguments.length, 1, "Failed to execute 'parse' on 'URL'");
    try {
      return base === undefined ? new URL(url) : new URL(url, base);
    } catch {
      return null;
    }
  }
  /** https://w3c.github.io/FileAPI/#dfn-createObjectURL */
  static createObjectURL(obj: unknown): string {
    return createObjectURL(obj, arguments.length);
  }
  /** https://w3c.github.io/FileAPI/#dfn-revokeObjectURL */
  static revokeObjectURL(url: unknown): void {
    revokeObjectURL(url, arguments.length);
  }
  get href(): string { return us(this).parts[0]; }
  set href(v: string) {
    const parts = parse(toUSVString(v), undefined);
    if (parts === null) throw new TypeError("Failed to set the 'href' property on 'URL': Invalid URL");
    const s = us(this);
    s.parts = parts;
    if (s.query !== null) resetQuery(s.query, parts[9]);
  }
  get origin(): string { return us(this).parts[1]; }
  get protocol(): string { return us(this).parts[2]; }
  set protocol(v: string) { setPart(this, 'protocol', v); }
  get username(): string { return us(this).parts[3]; }
  set username(v: string) { setPart(this, 'username', v); }
  get password(): string { return us(this).parts[4]; }
  set password(v: string) { setPart(this, 'password', v); }
  get host(): string { return us(this).parts[5]; }
  set host(v: string) { setPart(this, 'host', v); }
  get hostname(): string { return us(this).parts[6]; }
  set hostname(v: string) { setPart(this, 'hostname', v); }
  get port(): string { return us(this).parts[7]; }
  set port(v: string) { setPart(this, 'port', v); }
  get pathname(): string { return us(this).parts[8]; }
  set pathname(v: string) { setPart(this, 'pathname', v); }
  get search(): string { return us(this).parts[9]; }
  set search(v: string) {
    setPart(this, 'search', v);
    const s = us(this);
    if (s.query !== null) resetQuery(s.query, s.parts[9]);
  }
  get searchParams(): URLSearchParams {
    const s = us(this);
    if (s.query === null) {
      s.query = new URLSearchParams(s.parts[9]);
      queryOwners.set(s.query, this);
    }
    return s.query;
  }
  get hash(): string { return us(this).parts[10]; }
  set hash(v: string) { setPart(this, 'hash', v); }
  toString(): string { return us(this).parts[0]; }
  toJSON(): string { return us(this).parts[0]; }
}
defineInterface(URL, 'URL');

function setPart(self: URL, key: string, value: unknown): void {
  const s = us(self);
  const parts = hostCall<Parts | null>('urlSet', s.parts[0], key, toUSVString(value));
  if (parts !== null) s.parts = parts;
}

/** The URL a URLSearchParams writes back to, for searchParams objects. */
const queryOwners = new WeakMap<object, URL>();

// --- application/x-www-form-urlencoded (https://url.spec.whatwg.org/#concept-urlencoded) ---

function percentDecode(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let w = 0;
  const hex = (b: number): number => (b >= 48 && b <= 57 ? b - 48 : b >= 65 && b <= 70 ? b - 55 : b >= 97 && b <= 102 ? b - 87 : -1);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && i + 2 < bytes.length) {
      const h = hex(bytes[i + 1] as number);
      const l = hex(bytes[i + 2] as number);
      if (h >= 0 && l >= 0) {
        out[w++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[w++] = b;
  }
  return out.subarray(0, w);
}

export function parseUrlencoded(input: string): [string, string][] {
  const out: [string, string][] = [];
  for (const seq of input.split('&')) {
    if (seq === '') continue;
    const eq = seq.indexOf('=');
    const name = eq >= 0 ? seq.slice(0, eq) : seq;
    const value = eq >= 0 ? seq.slice(eq + 1) : '';
    const dec = (s: string): string => {
      const plus = s.replaceAll('+', ' ');
      return /%/.test(plus) ? utf8DecodeKeepBOM(percentDecode(utf8Encode(plus))) : plus.isWellFormed() ? plus : plus.toWellFormed();
    };
    out.push([dec(name), dec(value)]);
  }
  return out;
}

const SAFE = new Uint8Array(128);
for (const c of '*-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') SAFE[c.charCodeAt(0)] = 1;
function encodeComponent(s: string): string {
  let out = '';
  for (const b of utf8Encode(s)) {
    if (b === 0x20) out += '+';
    else if (b < 128 && SAFE[b] === 1) out += String.fromCharCode(b);
    else out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  }
  return out;
}
export function serializeUrlencoded(list: [string, string][]): string {
  return list.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&');
}

const lists = new WeakMap<object, [string, string][]>();
function ql(self: unknown): [string, string][] {
  const l = lists.get(self as object);
  if (l === undefined) throw new TypeError('Illegal invocation');
  return l;
}
function resetQuery(q: URLSearchParams, search: string): void {
  const l = ql(q);
  l.length = 0;
  l.push(...parseUrlencoded(search.startsWith('?') ? search.slice(1) : search));
}
/**
 * https://url.spec.whatwg.org/#concept-urlsearchparams-update. The search setter does the same
 * steps for this input: an empty string sets the query to null (and strips an opaque path's
 * trailing spaces); the serialization has nothing its percent-encoding would change.
 */
function update(self: URLSearchParams): void {
  const owner = queryOwners.get(self);
  if (owner === undefined) return;
  const s = us(owner);
  const parts = hostCall<Parts | null>('urlSet', s.parts[0], 'search', serializeUrlencoded(ql(self)));
  if (parts !== null) s.parts = parts;
}

export class URLSearchParams {
  constructor(init: unknown = '') {
    const list: [string, string][] = [];
    lists.set(this, list);
    if (isObject(init)) {
      const iter = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
      if (iter !== undefined && iter !== null) {
        if (typeof iter !== 'function') throw new TypeError("Failed to construct 'URLSearchParams': The object's iterator is not callable.");
        for (const pair of init as Iterable<unknown>) {
          if (!isObject(pair) || typeof (pair as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
            throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          }
          const items = [...(pair as Iterable<unknown>)];
          if (items.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
          list.push([toUSVString(items[0]), toUSVString(items[1])]);
        }
      } else {
        // record<USVString, USVString> (https://webidl.spec.whatwg.org/#es-record): a Symbol key
        // fails its conversion; keys equal after conversion (lone surrogates become U+FFFD) keep
        // the first one's place and the last one's value.
        const record = new Map<string, string>();
        for (const key of Reflect.ownKeys(init as object)) {
          const desc = Reflect.getOwnPropertyDescriptor(init as object, key);
          if (desc?.enumerable === true) record.set(toUSVString(key), toUSVString((init as Record<PropertyKey, unknown>)[key]));
        }
        for (const entry of record) list.push(entry);
      }
    } else {
      const s = toUSVString(init);
      list.push(...parseUrlencoded(s.startsWith('?') ? s.slice(1) : s));
    }
  }
  get size(): number { return ql(this).length; }
  append(name: unknown, value: unknown): void {
    requiredArguments(arguments.length, 2, "Failed to execute 'append' on 'URLSearchParams'");
    ql(this).push([toUSVString(name), toUSVString(value)]);
    update(this);
  }
  delete(name: unknown, value: unknown = undefined): void {
    requiredArguments(arguments.length, 1, "Failed to execute 'delete' on 'URLSearchParams'");
    const n = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    const l = ql(this);
    for (let i = l.length - 1; i >= 0; i--) {
      const e = l[i] as [string, string];
      if (e[0] === n && (v === undefined || e[1] === v)) l.splice(i, 1);
    }
    update(this);
  }
  get(name: unknown): string | null {
    requiredArguments(arguments.length, 1, "Failed to execute 'get' on 'URLSearchParams'");
    const n = toUSVString(name);
    return ql(this).find((e) => e[0] === n)?.[1] ?? null;
  }
  getAll(name: unknown): string[] {
    requiredArguments(arguments.length, 1, "Failed to execute 'getAll' on 'URLSearchParams'");
    const n = toUSVString(name);
    return ql(this).filter((e) => e[0] === n).map((e) => e[1]);
  }
  has(name: unknown, value: unknown = undefined): boolean {
    requiredArguments(arguments.length, 1, "Failed to execute 'has' on 'URLSearchParams'");
    const n = toUSVString(name);
    const v = value === undefined ? undefined : toUSVString(value);
    return ql(this).some((e) => e[0] === n && (v === undefined || e[1] === v));
  }
  set(name: unknown, value: unknown): void {
    requiredArguments(arguments.length, 2, "Failed to execute 'set' on 'URLSearchParams'");
    const n = toUSVString(name);
    const v = toUSVString(value);
    const l = ql(this);
    const i = l.findIndex((e) => e[0] === n);
    if (i < 0) l.push([n, v]);
    else {
      l[i] = [n, v];
      for (let j = l.length - 1; j > i; j--) if ((l[j] as [string, string])[0] === n) l.splice(j, 1);
    }
    update(this);
  }
  sort(): void {
    const l = ql(this);
    // Stable sort by UTF-16 code units of the name.
    const sorted = l.map((e, i) => [e, i] as const).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]));
    l.splice(0, l.length, ...sorted.map((x) => x[0]));
    update(this);
  }
  forEach(cb: (value: string, key: string, parent: URLSearchParams) => void, thisArg: unknown = undefined): void {
    requiredArguments(arguments.length, 1, "Failed to execute 'forEach' on 'URLSearchParams'");
    if (typeof cb !== 'function') throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': The callback provided as parameter 1 is not a function.");
    const l = ql(this);
    for (let i = 0; i < l.length; i++) {
      const e = l[i] as [string, string];
      Reflect.apply(cb, thisArg, [e[1], e[0], this]);
    }
  }
  keys(): IterableIterator<string> { return iterate(this, 0); }
  values(): IterableIterator<string> { return iterate(this, 1); }
  entries(): IterableIterator<[string, string]> { return iterate(this, 2); }
  /** The very `entries` function (installed by defineInterface). */
  declare [Symbol.iterator]: () => IterableIterator<[string, string]>;
  toString(): string { return serializeUrlencoded(ql(this)); }
}
defineInterface(URLSearchParams, 'URLSearchParams', { iterable: true });

/**
 * The WebIDL pair iterator (https://webidl.spec.whatwg.org/#es-default-iterator-object): its state
 * lives in a WeakMap, so iterator objects have no own properties; it reads the live list by index.
 */
interface IterState {
  readonly list: [string, string][];
  index: number;
  readonly kind: number;
}
const iterStates = new WeakMap<object, IterState>();
const IteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
const SearchParamsIteratorProto = Object.create(IteratorProto, {
  next: {
    value: function next(this: unknown) {
      const it = iterStates.get(this as object);
      if (it === undefined) throw new TypeError('Illegal invocation');
      if (it.index >= it.list.length) return { value: undefined, done: true };
      const e = it.list[it.index++] as [string, string];
      return { value: it.kind === 0 ? e[0] : it.kind === 1 ? e[1] : [e[0], e[1]], done: false };
    },
    writable: true,
    configurable: true,
    enumerable: true,
  },
  [Symbol.toStringTag]: { value: 'URLSearchParams Iterator', configurable: true },
}) as object;
function iterate<T>(self: URLSearchParams, kind: number): IterableIterator<T> {
  const list = ql(self);
  const it = Object.create(SearchParamsIteratorProto) as object;
  iterStates.set(it, { list, index: 0, kind });
  return it as IterableIterator<T>;
}
