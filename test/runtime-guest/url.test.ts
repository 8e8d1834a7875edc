// URL and URLSearchParams inside a real isolate: parsing, setters, the searchParams link, the
// urlencoded parser and serializer, iterators (no internal state exposed) and interface shape.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('url');
});
t.teardown(() => g.dispose());

t.test('URL: parse with base, parts, setters, canParse/parse, errors', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const u = new URL('../b/c?x=1#h', 'https://user:pw@EXAMPLE.com:8080/a/z');
    const parts = [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
    u.port = '443';
    u.pathname = '/p q';
    u.hash = '';
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    return {
      parts,
      after: u.href,
      json: JSON.stringify({ u }),
      statics: [URL.canParse('nope'), URL.canParse('/x', 'https://a.test'), URL.parse('nope'), URL.parse('https://a.test').href],
      invalid: err(() => new URL('http://[::1')),
      badHref: err(() => { u.href = 'not a url'; }),
      idna: new URL('https://EXAMPLE.COM/%7e').href,
    };
  `);
  t.same(r.parts, ['https://user:pw@example.com:8080/b/c?x=1#h', 'https://example.com:8080', 'https:', 'user', 'pw', 'example.com:8080', 'example.com', '8080', '/b/c', '?x=1', '#h']);
  t.equal(r.after, 'https://user:pw@example.com/p%20q?x=1', 'the default port is dropped, the path encoded');
  t.equal(r.json, '{"u":"https://user:pw@example.com/p%20q?x=1"}');
  t.same(r.statics, [false, true, null, 'https://a.test/']);
  t.equal(r.invalid, 'TypeError');
  t.equal(r.badHref, 'TypeError');
  t.equal(r.idna, 'https://example.com/%7e');
});

t.test('searchParams is live both ways', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const u = new URL('https://a.test/?a=1&b=2');
    const p = u.searchParams;
    p.append('c', 'x y');
    const afterAppend = u.href;
    u.search = '?z=9';
    const afterSearch = [...p];
    p.delete('z');
    const empty = u.href;
    u.href = 'https://b.test/?q=1';
    return { same: u.searchParams === p, afterAppend, afterSearch, empty, afterHref: p.get('q') };
  `);
  t.equal(r.same, true);
  t.equal(r.afterAppend, 'https://a.test/?a=1&b=2&c=x+y');
  t.same(r.afterSearch, [['z', '9']]);
  t.equal(r.empty, 'https://a.test/', 'an empty query removes the ?');
  t.equal(r.afterHref, '1');
});

t.test('URLSearchParams: init forms, parsing, serialization, methods', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const p = new URLSearchParams('?a=1&a=2&b=%F0%9F%98%80&c+d=e+f&&=x&%EF%BB%BFk=%zz');
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    const s = new URLSearchParams([['z', '1'], ['a', '2'], ['z', '0']]);
    s.sort();
    return {
      all: [...p],
      getAll: p.getAll('a'),
      has: [p.has('a', '2'), p.has('a', '3'), p.has('nope')],
      size: p.size,
      record: new URLSearchParams({ x: 1, y: 'ü' }).toString(),
      sorted: s.toString(),
      serialize: new URLSearchParams([['a b', '~*-._!\\'()']]).toString(),
      deleteValue: (() => { const q = new URLSearchParams('a=1&a=2&a=1'); q.delete('a', '1'); return q.toString(); })(),
      set: (() => { const q = new URLSearchParams('a=1&b=2&a=3'); q.set('a', 'x'); return q.toString(); })(),
      badPair: err(() => new URLSearchParams([['a']])),
      symbolKey: err(() => new URLSearchParams({ [Symbol('s')]: 'v' })),
      fromParams: new URLSearchParams(new URLSearchParams('q=1')).toString(),
      recordDuplicates: [...new URLSearchParams({ '\ud835x': '1', xx: '2', '\ud83dx': '3' })],
    };
  `);
  t.same(r.all, [['a', '1'], ['a', '2'], ['b', '😀'], ['c d', 'e f'], ['', 'x'], ['\ufeffk', '%zz']], 'a leading BOM is kept (UTF-8 decode without BOM)');
  t.same(r.getAll, ['1', '2']);
  t.same(r.has, [true, false, false]);
  t.equal(r.size, 6);
  t.equal(r.record, 'x=1&y=%C3%BC');
  t.equal(r.sorted, 'a=2&z=1&z=0', 'sort is stable');
  t.equal(r.serialize, 'a+b=%7E*-._%21%27%28%29');
  t.equal(r.deleteValue, 'a=2');
  t.equal(r.set, 'a=x&b=2');
  t.equal(r.badPair, 'TypeError');
  t.equal(r.symbolKey, 'TypeError', 'a record with a Symbol key fails USVString conversion');
  t.equal(r.fromParams, 'q=1');
  t.same(r.recordDuplicates, [['\ufffdx', '3'], ['xx', '2']], 'record keys equal after conversion: first place, last value');
});

t.test('iterators hold their state privately and iterate live', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const p = new URLSearchParams('a=1&b=2');
    const it = p.entries();
    const first = it.next().value;
    p.append('c', '3');
    const rest = [...it];
    const proto = Object.getPrototypeOf(it);
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    return {
      first, rest,
      own: Reflect.ownKeys(it).length,
      tag: Object.prototype.toString.call(it),
      nextEnumerable: Object.getOwnPropertyDescriptor(proto, 'next').enumerable,
      iterProto: Object.getPrototypeOf(proto) === Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
      nextBrand: err(() => proto.next.call({})),
      keys: [...p.keys()], values: [...p.values()],
      sameFn: URLSearchParams.prototype[Symbol.iterator] === URLSearchParams.prototype.entries,
      forEach: (() => { const out = []; p.forEach(function (v, k, o) { out.push(k + v + (o === p) + (String(this) === 'T')); }, 'T'); return out; })(),
    };
  `);
  t.same(r.first, ['a', '1']);
  t.same(r.rest, [['b', '2'], ['c', '3']], 'an entry appended during iteration is seen');
  t.equal(r.own, 0, 'no internal fields on the iterator object');
  t.equal(r.tag, '[object URLSearchParams Iterator]');
  t.equal(r.nextEnumerable, true);
  t.equal(r.iterProto, true);
  t.equal(r.nextBrand, 'TypeError');
  t.same(r.keys, ['a', 'b', 'c']);
  t.same(r.values, ['1', '2', '3']);
  t.equal(r.sameFn, true, '@@iterator is entries');
  t.same(r.forEach, ['a1truetrue', 'b2truetrue', 'c3truetrue']);
});

t.test('interface shape: names, lengths, enumerable members', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    return {
      names: [URL.name, URLSearchParams.name],
      lengths: [URL.length, URL.canParse.length, URL.parse.length, URLSearchParams.length, URLSearchParams.prototype.delete.length, URLSearchParams.prototype.has.length, URLSearchParams.prototype.forEach.length],
      urlKeys: Object.keys(URL.prototype),
      statics: Object.keys(URL),
      paramKeys: Object.keys(URLSearchParams.prototype),
      brand: (() => { try { Object.getOwnPropertyDescriptor(URL.prototype, 'href').get.call({}); return 'ok'; } catch (e) { return e.constructor.name; } })(),
    };
  `);
  t.same(r.names, ['URL', 'URLSearchParams']);
  t.same(r.lengths, [1, 1, 1, 0, 1, 1, 1]);
  t.same(r.urlKeys, ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'searchParams', 'hash', 'toString', 'toJSON']);
  t.same(r.statics, ['canParse', 'parse', 'createObjectURL', 'revokeObjectURL'], 'with the File API partial interface');
  t.same(r.paramKeys, ['size', 'append', 'delete', 'get', 'getAll', 'has', 'set', 'sort', 'forEach', 'keys', 'values', 'entries', 'toString']);
  t.equal(r.brand, 'TypeError');
});
