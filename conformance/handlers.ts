// Our TypeScript stand-ins for the few wptserve Python handlers the fetch/api tests call, by path.
//
// Each follows the request/response contract the tests rely on (query parameters in, headers and
// body out), written from what the tests expect; handlers not listed here answer 404.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** wptserve's stash: values put by one request and taken (once) by another, keyed per directory. */
const stash = new Map<string, unknown>();

function stashKey(url: URL, key: string): string {
  return `${url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1)}|${key}`;
}

function take(url: URL, key: string): unknown {
  const full = stashKey(url, key);
  const value = stash.get(full);
  stash.delete(full);
  return value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Headers named in `?headers=a|b` come back as `x-request-a`; `?cors` adds permissive CORS headers. */
const inspectHeaders: Handler = async (req, res, url) => {
  await readBody(req);
  const headers: [string, string][] = [];
  const checked = (url.searchParams.get('headers') ?? '').split('|').filter((name) => name !== '');
  for (const name of checked) {
    const value = req.headers[name.toLowerCase()];
    if (value !== undefined) headers.push([`x-request-${name}`, Array.isArray(value) ? value.join(', ') : value]);
  }
  if (url.searchParams.has('cors')) {
    const origin = req.headers.origin;
    headers.push(['Access-Control-Allow-Origin', typeof origin === 'string' ? origin : '*']);
    headers.push(['Access-Control-Allow-Credentials', 'true'], ['Access-Control-Allow-Methods', 'GET, POST, HEAD']);
    headers.push(['Access-Control-Expose-Headers', checked.map((name) => `x-request-${name}`).join(', ')]);
    const allow = url.searchParams.get('allow_headers');
    headers.push(['Access-Control-Allow-Headers', allow ?? Object.keys(req.headers).join(', ')]);
  }
  headers.push(['content-type', 'text/plain']);
  res.writeHead(200, headers.flat());
  res.end();
};

/** Echoes the request body, with the method and body headers it saw as `X-Request-*`. */
const echoContent: Handler = async (req, res) => {
  const body = await readBody(req);
  res.writeHead(200, {
    'X-Request-Method': req.method ?? '',
    'X-Request-Content-Length': req.headers['content-length'] ?? 'NO',
    'X-Request-Content-Type': req.headers['content-type'] ?? 'NO',
    'Content-Type': 'text/plain',
  });
  res.end(body);
};

/** Echoes the body with the method and the content-* request headers it saw. */
const method: Handler = async (req, res, url) => {
  const body = await readBody(req);
  const headers: Record<string, string> = {};
  if (url.searchParams.has('cors')) {
    Object.assign(headers, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, FOO',
      'Access-Control-Allow-Headers': 'x-test, x-foo',
      'Access-Control-Expose-Headers': 'x-request-method',
    });
  }
  headers['x-request-method'] = req.method ?? '';
  for (const name of ['type', 'length', 'encoding', 'language', 'location']) {
    headers[`x-request-content-${name}`] = String(req.headers[`content-${name}`] ?? 'NO');
  }
  res.writeHead(200, headers);
  res.end(body);
};

/** `?code=&text=&content=&type=`: a response with exactly that status line, type and body. */
const status: Handler = async (req, res, url) => {
  await readBody(req);
  const code = Number(url.searchParams.get('code') ?? 200);
  res.writeHead(code, url.searchParams.get('text') ?? 'OMG', {
    'Content-Type': url.searchParams.get('type') ?? '',
    'X-Request-Method': req.method ?? '',
  });
  res.end(url.searchParams.get('content') ?? '');
};

/** `?ms=&count=`: waits, sends headers, then `count` lines of TEST_TRICKLE, one every `ms`. */
const trickle: Handler = async (req, res, url) => {
  const delay = Number(url.searchParams.get('ms') ?? 500);
  const count = Number(url.searchParams.get('count') ?? 50);
  await readBody(req);
  await sleep(delay);
  res.writeHead(200, url.searchParams.has('notype') ? {} : { 'Content-Type': 'text/plain' });
  await sleep(delay);
  for (let i = 0; i < count && !res.destroyed; i++) {
    res.write('TEST_TRICKLE\n');
    await sleep(delay);
  }
  res.end();
};

/** `?key=&value=`: remembers value under key for stash-take.py in the same directory. */
const stashPut: Handler = async (req, res, url) => {
  await readBody(req);
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') stash.set(stashKey(url, url.searchParams.get('key') ?? ''), url.searchParams.get('value') ?? '');
  res.end('done');
};

/** `?key=`: the stashed value as JSON (null when none), removed from the stash. */
const stashTake: Handler = async (req, res, url) => {
  await readBody(req);
  const value = take(url, url.searchParams.get('key') ?? '');
  res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
  res.end(JSON.stringify(value ?? null));
};

/** Streams dots until the client goes away or `abortKey` is stashed; records open/closed under `stateKey`. */
const infiniteSlowResponse: Handler = async (req, res, url) => {
  const stateKey = url.searchParams.get('stateKey') ?? '';
  const abortKey = url.searchParams.get('abortKey') ?? '';
  if (stateKey !== '') stash.set(stashKey(url, stateKey), 'open');
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.write('.'.repeat(2048));
  while (!res.destroyed && !res.writableEnded) {
    if (abortKey !== '' && take(url, abortKey) !== undefined) break;
    res.write('.');
    await sleep(10);
  }
  if (stateKey !== '') stash.set(stashKey(url, stateKey), 'closed');
  res.end();
};

/** `?location=&redirect_status=`: a redirect, carrying the query on and counting hops per `token`. */
const redirect: Handler = async (req, res, url) => {
  await readBody(req);
  const token = url.searchParams.get('token');
  const data = (token === null ? undefined : take(url, token)) as { count: number; preflight: string } | undefined;
  const state = data ?? { count: 0, preflight: '0' };
  const headers: Record<string, string> = { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache', Pragma: 'no-cache' };
  const origin = req.headers.origin;
  headers['Access-Control-Allow-Origin'] = typeof origin === 'string' ? origin : '*';
  if (typeof origin === 'string') headers['Access-Control-Allow-Credentials'] = 'true';
  if (req.method === 'OPTIONS') {
    const allow = url.searchParams.get('allow_headers');
    if (allow !== null) headers['Access-Control-Allow-Headers'] = allow;
    state.preflight = '1';
    if (!url.searchParams.has('redirect_preflight')) {
      if (token !== null) stash.set(stashKey(url, token), state);
      res.writeHead(200, headers);
      res.end();
      return;
    }
  }
  state.count += 1;
  const location = url.searchParams.get('location');
  if (location !== null) {
    let target = location;
    if (!url.searchParams.has('simple') && /^(https?:|[^:]*$)/.test(location)) {
      const carried = new URLSearchParams([...url.searchParams].filter(([key], i, all) => all.findIndex(([k]) => k === key) === i));
      target += `${target.includes('?') ? '&' : '?'}${carried.toString()}&count=${state.count}`;
    }
    headers.Location = target;
  }
  const policy = url.searchParams.get('redirect_referrerpolicy');
  if (policy !== null) headers['Referrer-Policy'] = policy;
  const delay = Number(url.searchParams.get('delay') ?? 0);
  if (delay > 0) await sleep(delay);
  if (token !== null) {
    stash.set(stashKey(url, token), state);
    const max = url.searchParams.get('max_count');
    if (max !== null && state.count > Number(max)) {
      res.writeHead(200, headers);
      res.end(String(state.count - 1));
      return;
    }
  }
  res.writeHead(Number(url.searchParams.get('redirect_status') ?? 302), headers);
  res.end();
};

/** A fixed resource with an ETag: a matching If-None-Match gets 304, anything else the content. */
const cache: Handler = async (req, res) => {
  await readBody(req);
  const etag = '"123abc"';
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, 'Not Modified', { 'X-HTTP-STATUS': '304' });
    res.end();
    return;
  }
  res.writeHead(200, 'OK', { ETag: etag, 'Content-Type': 'text/plain' });
  res.end('lorem ipsum dolor sit amet');
};

/** Basic auth: user/password gets 200, anything else 401 with a Basic challenge (realm from `?realm`). */
const authentication: Handler = async (req, res, url) => {
  await readBody(req);
  const header = req.headers.authorization ?? '';
  const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('latin1') : '';
  if (decoded === 'user:password') {
    res.end('Authentication done');
    return;
  }
  res.writeHead(401, 'Unauthorized', { 'WWW-Authenticate': `Basic realm="${url.searchParams.get('realm') ?? 'test'}"` });
  res.end("Please login with credentials 'user' and 'password'");
};

/**
 * Handlers by their path in the WPT tree. Only that path: a handler of the same name elsewhere
 * (fetch/api/request/resources/cache.py, say) has other semantics, and answering it with these
 * would hand its tests made-up data.
 */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  'fetch/api/resources/inspect-headers.py': inspectHeaders,
  'fetch/api/resources/echo-content.py': echoContent,
  'fetch/api/resources/method.py': method,
  'fetch/api/resources/status.py': status,
  'fetch/api/resources/trickle.py': trickle,
  'fetch/api/resources/stash-put.py': stashPut,
  'fetch/api/resources/stash-take.py': stashTake,
  'fetch/api/resources/infinite-slow-response.py': infiniteSlowResponse,
  'fetch/api/resources/redirect.py': redirect,
  'fetch/api/resources/cache.py': cache,
  'fetch/api/resources/authentication.py': authentication,
};
