// MIME types (https://mimesniff.spec.whatwg.org/#parsing-a-mime-type) and "extract a MIME type"
// from a header list (https://fetch.spec.whatwg.org/#concept-header-extract-mime-type): used by
// Body's blob() and formData(), and by Blob/File for their `type`.

export interface MimeType {
  type: string;
  subtype: string;
  /** Lowercased names in first-seen order; a later duplicate name is ignored. */
  parameters: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const QUOTED_OK = /^[\t\x20-\x7e\x80-\xff]*$/;
const HTTP_WS = /^[\t\n\r ]+|[\t\n\r ]+$/g;

export function essence(m: MimeType): string {
  return `${m.type}/${m.subtype}`;
}

/** Steps of the spec's "parse a MIME type"; null is failure. */
export function parseMimeType(input: string): MimeType | null {
  const s = input.replace(HTTP_WS, '');
  let pos = s.indexOf('/');
  if (pos <= 0) return null;
  const type = s.slice(0, pos);
  if (!TOKEN.test(type)) return null;
  let end = s.indexOf(';', pos + 1);
  if (end < 0) end = s.length;
  const subtype = s.slice(pos + 1, end).replace(/[\t\n\r ]+$/, '');
  if (subtype === '' || !TOKEN.test(subtype)) return null;
  const m: MimeType = { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters: new Map() };
  pos = end;
  while (pos < s.length) {
    pos++; // skip ';'
    while (pos < s.length && /[\t\n\r ]/.test(s[pos] as string)) pos++;
    let nameEnd = pos;
    while (nameEnd < s.length && s[nameEnd] !== ';' && s[nameEnd] !== '=') nameEnd++;
    const name = s.slice(pos, nameEnd).toLowerCase();
    pos = nameEnd;
    if (pos < s.length) {
      if (s[pos] === ';') continue;
      pos++; // skip '='
    }
    if (pos >= s.length) break;
    let value: string;
    if (s[pos] === '"') {
      value = '';
      pos++;
      for (;;) {
        while (pos < s.length && s[pos] !== '"' && s[pos] !== '\\') value += s[pos++];
        if (pos < s.length && s[pos] === '\\') {
          pos++;
          if (pos >= s.length) {
            value += '\\';
            break;
          }
          value += s[pos++];
          continue;
        }
        pos++; // closing quote (or past the end)
        break;
      }
      while (pos < s.length && s[pos] !== ';') pos++;
    } else {
      const vEnd = s.indexOf(';', pos);
      value = s.slice(pos, vEnd < 0 ? s.length : vEnd).replace(/[\t\n\r ]+$/, '');
      pos = vEnd < 0 ? s.length : vEnd;
      if (value === '') continue;
    }
    if (name !== '' && TOKEN.test(name) && QUOTED_OK.test(value) && !m.parameters.has(name)) m.parameters.set(name, value);
  }
  return m;
}

/** https://mimesniff.spec.whatwg.org/#serializing-a-mime-type */
export function serializeMimeType(m: MimeType): string {
  let out = essence(m);
  for (const [name, value] of m.parameters) {
    out += `;${name}=`;
    out += value !== '' && TOKEN.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
  }
  return out;
}

/** Splits a combined header value on commas outside quoted strings ("get, decode, and split"). */
function splitHeaderValue(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      cur += c;
      if (c === '\\' && i + 1 < value.length) cur += value[++i];
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      cur += c;
    } else if (c === ',') {
      out.push(cur.replace(/^[\t ]+|[\t ]+$/g, ''));
      cur = '';
    } else cur += c;
  }
  out.push(cur.replace(/^[\t ]+|[\t ]+$/g, ''));
  return out;
}

/** https://fetch.spec.whatwg.org/#concept-header-extract-mime-type, from the combined value. */
export function extractMimeType(contentType: string | null): MimeType | null {
  if (contentType === null) return null;
  let charset: string | null = null;
  let ess: string | null = null;
  let mime: MimeType | null = null;
  for (const value of splitHeaderValue(contentType)) {
    const temp = parseMimeType(value);
    if (temp === null || essence(temp) === '*/*') continue;
    mime = temp;
    if (essence(mime) !== ess) {
      charset = mime.parameters.get('charset') ?? null;
      ess = essence(mime);
    } else if (!mime.parameters.has('charset') && charset !== null) {
      mime.parameters.set('charset', charset);
    }
  }
  return mime;
}
