// Blob URLs (https://w3c.github.io/FileAPI/#url): the blob URL store behind URL.createObjectURL
// and URL.revokeObjectURL. The store is this isolate's own (each app is its own "agent"), so a
// blob: URL means nothing to the host or to another app; `fetch` serves it in the isolate
// (blob-fetch.ts). An entry lives until it is revoked or the isolate goes, as in a browser
// document; the memory it holds counts against the app's own limit.
import { hostCall } from '../core/host.js';
import type { Blob } from './blob.js';
import { lazyUnit } from '../core/units.js';
import { requiredArguments, toDOMString } from '../core/webidl.js';

const blobUnit = lazyUnit<typeof import('./blob.js')>('blob');
const cryptoUnit = lazyUnit<typeof import('../crypto/crypto-random.js')>('crypto-random');

/** URL (serialized, without fragment, as generated) → Blob. */
const store = new Map<string, Blob>();

/**
 * The scope's origin, ASCII-serialized. An app has none (an opaque origin, "null", which the spec
 * lets implementations replace: NANO keeps "null", as browsers do); a worker-like scope with a
 * `location` (WPT) has that URL's origin.
 */
function scopeOrigin(): string {
  const loc = (globalThis as { location?: { href?: unknown } }).location;
  if (typeof loc?.href !== 'string') return 'null';
  const parts = hostCall<string[] | null>('urlParse', loc.href, undefined);
  return parts === null ? 'null' : (parts[1] as string);
}

/** https://w3c.github.io/FileAPI/#dfn-createObjectURL (MediaSource does not exist here). */
export function createObjectURL(obj: unknown, argc: number): string {
  const context = "Failed to execute 'createObjectURL' on 'URL'";
  requiredArguments(argc, 1, context);
  // No Blob exists before the blob unit is loaded.
  if (blobUnit.peek()?.isBlob(obj) !== true) throw new TypeError(`${context}: parameter 1 is not of type 'Blob'.`);
  // https://w3c.github.io/FileAPI/#unicodeBlobURL: "blob:" origin "/" UUID.
  const url = `blob:${scopeOrigin()}/${cryptoUnit().randomUUID()}`;
  store.set(url, obj as Blob);
  return url;
}

/** https://w3c.github.io/FileAPI/#dfn-revokeObjectURL */
export function revokeObjectURL(url: unknown, argc: number): void {
  requiredArguments(argc, 1, "Failed to execute 'revokeObjectURL' on 'URL'");
  const parts = hostCall<string[] | null>('urlParse', toDOMString(url), undefined);
  // Steps 1-4: not a URL, not a blob: URL, or no entry: nothing to do. Step 7 removes the entry
  // of the URL as serialized, fragment included, so `url + '#x'` revokes nothing.
  if (parts === null || parts[2] !== 'blob:') return;
  store.delete(parts[0] as string);
}

/**
 * https://w3c.github.io/FileAPI/#blob-url-resolve for a parsed URL's href: the URL parser resolves
 * the entry (so a Request keeps its Blob after the URL is revoked). Undefined when `href` is not
 * a blob: URL or names no entry.
 */
export function resolveBlobUrl(href: string): Blob | undefined {
  if (!href.startsWith('blob:')) return undefined;
  const hash = href.indexOf('#');
  return store.get(hash === -1 ? href : href.slice(0, hash));
}
