// URLPattern (https://urlpattern.spec.whatwg.org/). The WebIDL layer (overloads, conversions,
// brand checks, interface shape) is ours; pattern compilation and matching are the npm package
// urlpattern-polyfill (kept by the spec's editors' community, passes the URLPattern WPT), a runtime
// unit (units.ts): compiled only when an app constructs its first URLPattern, so isolates that
// never use one pay nothing for it.
import { defineInterface, isObject, toUSVString } from '../core/webidl.js';
import { lazyUnit } from '../core/units.js';

interface PolyfillPattern {
  test(input?: unknown, baseURL?: string): boolean;
  exec(input?: unknown, baseURL?: string): unknown;
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly hasRegExpGroups: boolean;
}
type PolyfillCtor = new (input: unknown, baseOrOptions?: unknown, options?: unknown) => PolyfillPattern;

const polyfillUnit = lazyUnit<{ URLPattern: PolyfillCtor }>('urlpattern-polyfill');
const polyfill = (): PolyfillCtor => polyfillUnit().URLPattern;

const INIT_MEMBERS = ['baseURL', 'hash', 'hostname', 'password', 'pathname', 'port', 'protocol', 'search', 'username'] as const;

/** URLPatternInput `(USVString or URLPatternInit)`: a string, or the dictionary's members as USVStrings. */
function toInput(value: unknown): string | Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) return toUSVString(value);
  const out: Record<string, string> = {};
  for (const k of INIT_MEMBERS) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = toUSVString(v);
  }
  return out;
}

function toOptions(value: unknown, context: string): { ignoreCase: boolean } {
  if (value !== undefined && value !== null && !isObject(value)) throw new TypeError(`${context}: The provided value is not of type 'URLPatternOptions'.`);
  return { ignoreCase: Boolean((value as { ignoreCase?: unknown } | null | undefined)?.ignoreCase) };
}

let patternOf: (self: unknown) => PolyfillPattern;

export class URLPattern {
  readonly #pattern: PolyfillPattern;

  /**
   * constructor(URLPatternInput input, USVString baseURL, optional URLPatternOptions options = {});
   * constructor(optional URLPatternInput input = {}, optional URLPatternOptions options = {});
   */
  constructor(input: unknown = undefined, baseURLOrOptions: unknown = undefined, options: unknown = undefined) {
    const context = "Failed to construct 'URLPattern'";
    const converted = toInput(input);
    // Overload resolution on the second argument: undefined, null or an object is the options
    // dictionary; anything else is the baseURL string of the first overload.
    const second = baseURLOrOptions;
    const Ctor = polyfill();
    if (arguments.length >= 3 || (second !== undefined && second !== null && !isObject(second))) {
      const baseURL = toUSVString(second);
      this.#pattern = new Ctor(converted, baseURL, toOptions(options, context));
    } else {
      this.#pattern = new Ctor(converted, toOptions(second, context));
    }
  }
  static {
    patternOf = (self) => {
      if (typeof self !== 'object' || self === null || !(#pattern in self)) throw new TypeError('Illegal invocation');
      return (self as URLPattern).#pattern;
    };
  }

  test(input: unknown = undefined, baseURL: unknown = undefined): boolean {
    const p = patternOf(this);
    const converted = toInput(input);
    return baseURL === undefined ? p.test(converted) : p.test(converted, toUSVString(baseURL));
  }
  exec(input: unknown = undefined, baseURL: unknown = undefined): unknown {
    const p = patternOf(this);
    const converted = toInput(input);
    return (baseURL === undefined ? p.exec(converted) : p.exec(converted, toUSVString(baseURL))) ?? null;
  }
  get protocol(): string { return patternOf(this).protocol; }
  get username(): string { return patternOf(this).username; }
  get password(): string { return patternOf(this).password; }
  get hostname(): string { return patternOf(this).hostname; }
  get port(): string { return patternOf(this).port; }
  get pathname(): string { return patternOf(this).pathname; }
  get search(): string { return patternOf(this).search; }
  get hash(): string { return patternOf(this).hash; }
  get hasRegExpGroups(): boolean { return patternOf(this).hasRegExpGroups; }
}
defineInterface(URLPattern, 'URLPattern');
