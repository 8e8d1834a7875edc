// Headers inside a real isolate: names and values, combining, Set-Cookie, sorted live iteration,
// guards with Workers semantics (no forbidden names, immutable headers refuse changes), shape.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('headers');
});
t.teardown(() => g.dispose());

t.test('case-insensitive names, combined values, whitespace normalization', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const h = new Headers({ 'Content-Type': 'text/plain', Accept: 'a' });
    h.append('accept', '  b\\t');
    h.append('X-Empty', '');
    return {
      ct: h.get('content-type'), accept: h.get('ACCEPT'), empty: h.get('x-empty'), missing: h.get('nope'),
      has: [h.has('Content-type'), h.has('nope')],
      entries: [...h],
      afterSet: (h.set('Accept', 'c'), h.get('accept')),
      afterDelete: (h.delete('ACCEPT'), h.has('accept')),
    };
  `);
  t.equal(r.ct, 'text/plain');
  t.equal(r.accept, 'a, b', 'values are combined with ", " and trimmed');
  t.equal(r.empty, '');
  t.equal(r.missing, null);
  t.same(r.has, [true, false]);
  t.same(r.entries, [['accept', 'a, b'], ['content-type', 'text/plain'], ['x-empty', '']], 'sorted, lowercased');
  t.equal(r.afterSet, 'c');
  t.equal(r.afterDelete, false);
});

t.test('Set-Cookie: getSetCookie and separate iteration entries', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const h = new Headers([['Set-Cookie', 'a=1'], ['set-cookie', 'b=2; Path=/'], ['x', '1']]);
    return { list: h.getSetCookie(), get: h.get('set-cookie'), entries: [...h], none: new Headers().getSetCookie() };
  `);
  t.same(r.list, ['a=1', 'b=2; Path=/']);
  t.equal(r.get, 'a=1, b=2; Path=/');
  t.same(r.entries, [['set-cookie', 'a=1'], ['set-cookie', 'b=2; Path=/'], ['x', '1']]);
  t.same(r.none, []);
});

t.test('invalid names and values are TypeErrors; no forbidden names (Workers semantics)', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    const h = new Headers();
    return {
      bad: [
        err(() => h.append('bad name', 'x')), err(() => h.append('', 'x')), err(() => h.append('x', 'a\\nb')),
        err(() => h.append('x', 'a\\u0000')), err(() => h.set('x', '\\u0100')), err(() => h.get('(')), err(() => h.delete('a b')),
        err(() => new Headers([['a', 'b', 'c']])), err(() => new Headers('a: b')), err(() => new Headers({ [Symbol()]: 'x' })),
      ],
      allowed: ['set-cookie', 'host', 'content-length', 'connection', 'cookie'].map((n) => err(() => h.set(n, '1'))),
      response: err(() => new Response('x', { headers: { 'set-cookie': 'a=1' } }).headers.append('set-cookie', 'b=2')),
    };
  `);
  t.same(r.bad, Array(10).fill('TypeError'));
  t.same(r.allowed, ['ok', 'ok', 'ok', 'ok', 'ok'], 'a server sets any header');
  t.equal(r.response, 'ok');
});

t.test('immutable headers refuse changes', async (t) => {
  const r = await g.run<string[]>(`
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name + ': ' + e.message; } };
    const h = Response.error().headers;
    return [err(() => h.set('a', '1')), err(() => h.append('a', '1')), err(() => h.delete('a')), err(() => h.get('a'))];
  `);
  t.same(r, ["TypeError: Can't modify immutable headers.", "TypeError: Can't modify immutable headers.", "TypeError: Can't modify immutable headers.", 'ok']);
});

t.test('iteration is live and sorted at each step; forEach; @@iterator is entries', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const h = new Headers({ b: '2', d: '4' });
    const seen = [];
    for (const [k] of h) { seen.push(k); if (k === 'b') h.set('c', '3'); }
    const each = [];
    h.forEach(function (v, k, o) { each.push(k + '=' + v + (o === h)); });
    const it = h.keys();
    return {
      seen, each,
      own: Reflect.ownKeys(it).length,
      tag: Object.prototype.toString.call(it),
      sameFn: Headers.prototype[Symbol.iterator] === Headers.prototype.entries,
    };
  `);
  t.same(r.seen, ['b', 'c', 'd'], 'a header added during iteration is visited in sorted position');
  t.same(r.each, ['b=2true', 'c=3true', 'd=4true']);
  t.equal(r.own, 0);
  t.equal(r.tag, '[object Headers Iterator]');
  t.equal(r.sameFn, true);
});

t.test('interface shape', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    return {
      name: Headers.name,
      lengths: [Headers.length, ...['append', 'delete', 'get', 'getSetCookie', 'has', 'set', 'forEach'].map((m) => Headers.prototype[m].length)],
      keys: Object.keys(Headers.prototype),
      brand: (() => { try { Headers.prototype.get.call({}, 'a'); return 'ok'; } catch (e) { return e.constructor.name; } })(),
      tag: String(new Headers()),
    };
  `);
  t.equal(r.name, 'Headers');
  t.same(r.lengths, [0, 2, 1, 1, 0, 1, 2, 1]);
  t.same(r.keys, ['append', 'delete', 'get', 'getSetCookie', 'has', 'set', 'forEach', 'keys', 'values', 'entries']);
  t.equal(r.brand, 'TypeError');
  t.equal(r.tag, '[object Headers]');
});
