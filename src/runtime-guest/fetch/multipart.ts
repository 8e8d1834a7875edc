// Form bodies: FormData → multipart/form-data bytes with a fresh boundary
// (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#multipart/form-data-encoding-algorithm),
// and the two parsers behind Body's formData() (https://fetch.spec.whatwg.org/#dom-body-formdata):
// multipart/form-data (RFC 7578) and application/x-www-form-urlencoded.
import { utf8Encode, utf8DecodeAll } from '../encoding/utf8.js';
import { parseUrlencoded } from '../url/url.js';
import { getRandomValues } from '../crypto/crypto-random.js';
import { blobBytes } from '../file/blob.js';
import { makeFile } from '../file/file.js';
import { type FormData, type FormEntry, formEntries, makeFormData } from './form-data.js';
import { type MimeType, essence } from './mime-type.js';

/** CR or LF not part of a CRLF pair become CRLF (the algorithm's newline normalisation). */
function toCRLF(s: string): string {
  return s.replace(/\r\n|\r|\n/g, '\r\n');
}
/** Names and filenames escape LF, CR and '"' inside the quoted header parameter. */
function escapeName(s: string): string {
  return s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
}

function newBoundary(): string {
  const r = getRandomValues(new Uint8Array(12));
  let hex = '';
  for (const b of r) hex += (b < 16 ? '0' : '') + b.toString(16);
  return `----NanoFormBoundary${hex}`;
}

/** Serialises the entry list; returns the bytes and the Content-Type naming the boundary. */
export function encodeMultipart(fd: FormData): { bytes: Uint8Array; contentType: string } {
  const boundary = newBoundary();
  // An empty form is an empty body (what browsers send and WPT expects), not a lone delimiter.
  if (formEntries(fd).length === 0) return { bytes: new Uint8Array(0), contentType: `multipart/form-data; boundary=${boundary}` };
  const chunks: Uint8Array[] = [];
  for (const [name, value] of formEntries(fd)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(toCRLF(name))}"`;
    if (typeof value === 'string') {
      chunks.push(utf8Encode(`${head}\r\n\r\n${toCRLF(value)}\r\n`));
      continue;
    }
    head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type === '' ? 'application/octet-stream' : value.type}\r\n\r\n`;
    chunks.push(utf8Encode(head), blobBytes(value), utf8Encode('\r\n'));
  }
  chunks.push(utf8Encode(`--${boundary}--\r\n`));
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.byteLength;
  }
  return { bytes, contentType: `multipart/form-data; boundary=${boundary}` };
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first, from); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const CR = 13;
const LF = 10;
const DASH = 45;

function parseError(): TypeError {
  return new TypeError('Failed to parse body as FormData: the multipart body is malformed');
}

/** Reads `name="..."`-style parameters of a Content-Disposition value (quoted or token values). */
function dispositionParams(value: string): Map<string, string> | null {
  const semi = value.indexOf(';');
  if (value.slice(0, semi < 0 ? value.length : semi).trim().toLowerCase() !== 'form-data') return null;
  const params = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of value.slice(semi < 0 ? value.length : semi).matchAll(re)) {
    const key = (m[1] as string).toLowerCase();
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    if (!params.has(key)) params.set(key, v);
  }
  return params;
}

/** RFC 7578 parsing of `bytes` with the boundary from `mime`. Throws a TypeError when malformed. */
export function parseMultipart(bytes: Uint8Array, mime: MimeType): FormEntry[] {
  const boundary = mime.parameters.get('boundary');
  if (boundary === undefined || boundary === '' || boundary.length > 70) throw parseError();
  const delim = utf8Encode(`--${boundary}`);
  const entries: FormEntry[] = [];
  // An empty form serialises to an empty body (see encodeMultipart), so it parses back to one.
  if (bytes.byteLength === 0) return entries;
  // The first delimiter starts the body (a preamble before it is ignored).
  let pos = indexOf(bytes, delim, 0);
  if (pos < 0 || (pos > 0 && !(bytes[pos - 1] === LF))) throw parseError();
  pos += delim.length;
  const partDelim = utf8Encode(`\r\n--${boundary}`);
  for (;;) {
    if (bytes[pos] === DASH && bytes[pos + 1] === DASH) return entries; // close delimiter
    // Transport padding, then the CRLF that ends the delimiter line.
    while (bytes[pos] === 0x20 || bytes[pos] === 0x09) pos++;
    if (bytes[pos] !== CR || bytes[pos + 1] !== LF) throw parseError();
    pos += 2;
    const headerEnd = indexOf(bytes, utf8Encode('\r\n\r\n'), pos);
    let headerText: string;
    let bodyStart: number;
    if (bytes[pos] === CR && bytes[pos + 1] === LF) {
      headerText = '';
      bodyStart = pos + 2;
    } else {
      if (headerEnd < 0) throw parseError();
      headerText = utf8DecodeAll(bytes.subarray(pos, headerEnd));
      bodyStart = headerEnd + 4;
    }
    let name: string | null = null;
    let filename: string | null = null;
    let contentType: string | null = null;
    for (const line of headerText.split('\r\n')) {
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw parseError();
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') {
        const params = dispositionParams(value);
        if (params === null) throw parseError();
        name = params.get('name') ?? null;
        filename = params.get('filename') ?? null;
      } else if (key === 'content-type') {
        contentType = value;
      }
    }
    if (name === null) throw parseError();
    const bodyEnd = indexOf(bytes, partDelim, bodyStart);
    if (bodyEnd < 0) throw parseError();
    const body = bytes.subarray(bodyStart, bodyEnd);
    if (filename !== null) {
      entries.push([name, makeFile(body.slice(), filename, contentType === null ? 'text/plain' : contentType.toLowerCase())]);
    } else {
      entries.push([name, utf8DecodeAll(body)]);
    }
    pos = bodyEnd + partDelim.length;
  }
}

/** https://fetch.spec.whatwg.org/#dom-body-formdata: FormData from a body by its MIME type. */
export function parseFormBody(bytes: Uint8Array, mime: MimeType | null, nullBody = false): FormData {
  if (mime !== null && essence(mime) === 'multipart/form-data') {
    // No body at all is no multipart document (an empty one is an empty form, see encodeMultipart).
    if (nullBody) throw new TypeError('Failed to parse body as FormData: there is no body');
    return makeFormData(parseMultipart(bytes, mime));
  }
  if (mime !== null && essence(mime) === 'application/x-www-form-urlencoded') {
    return makeFormData(parseUrlencoded(utf8DecodeAll(bytes)));
  }
  throw new TypeError("Failed to parse body as FormData: the Content-Type is neither 'multipart/form-data' nor 'application/x-www-form-urlencoded'");
}
