// URLPattern inside a real isolate: both constructor overloads, test/exec with strings, dicts and
// base URLs, component getters, hasRegExpGroups, ignoreCase, errors and the interface shape.
import t from 'tap';
import { createGuest, type Guest } from '../helpers/guest.js';

let g: Guest;
t.before(async () => {
  g = await createGuest('url-pattern');
});
t.teardown(() => g.dispose());

t.test('constructor string with base URL, components and exec groups', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const p = new URLPattern('/books/:id(\\\\d+)', 'https://example.com');
    const m = p.exec('https://example.com/books/42?x=1');
    return {
      parts: [p.protocol, p.username, p.password, p.hostname, p.port, p.pathname, p.search, p.hash],
      test: [p.test('https://example.com/books/42'), p.test('https://example.com/books/abc'), p.test('https://other.com/books/1')],
      groups: m.pathname.groups,
      input: m.pathname.input,
      inputs: m.inputs,
      miss: p.exec('https://example.com/authors/1'),
      regexp: p.hasRegExpGroups,
      plain: new URLPattern({ pathname: '/a/:b' }).hasRegExpGroups,
    };
  `);
  t.same(r.parts, ['https', '*', '*', 'example.com', '', '/books/:id(\\d+)', '*', '*']);
  t.same(r.test, [true, false, false]);
  t.same(r.groups, { id: '42' });
  t.equal(r.input, '/books/42');
  t.same(r.inputs, ['https://example.com/books/42?x=1']);
  t.equal(r.miss, null, 'exec returns null without a match');
  t.equal(r.regexp, true);
  t.equal(r.plain, false);
});

t.test('dictionary input, wildcards, optional groups, test with base URL', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const p = new URLPattern({ hostname: '{*.}?example.com', pathname: '/files/*' });
    const opt = new URLPattern({ pathname: '/product/:id?' });
    return {
      sub: p.test('https://cdn.example.com/files/a/b.png'),
      bare: p.test('https://example.com/files/x'),
      other: p.test('https://example.org/files/x'),
      wildcard: p.exec('https://example.com/files/a/b.png').pathname.groups,
      dictTest: p.test({ hostname: 'a.example.com', pathname: '/files/1' }),
      relative: p.test('/files/z', 'https://www.example.com'),
      optional: [opt.exec({ pathname: '/product' }).pathname.groups, opt.exec({ pathname: '/product/7' }).pathname.groups],
      undefinedGroupKept: 'id' in opt.exec({ pathname: '/product' }).pathname.groups,
    };
  `);
  t.equal(r.sub, true);
  t.equal(r.bare, true);
  t.equal(r.other, false);
  t.same(r.wildcard, { 0: 'a/b.png' });
  t.equal(r.dictTest, true);
  t.equal(r.relative, true, 'a relative input resolves against the baseURL argument');
  t.same(r.optional, [{}, { id: '7' }], 'an unmatched optional group is undefined (dropped by JSON)');
  t.equal(r.undefinedGroupKept, true);
});

t.test('options overload: ignoreCase, with and without a base URL', async (t) => {
  const r = await g.run<boolean[]>(`
    const a = new URLPattern({ pathname: '/Path' }, { ignoreCase: true });
    const b = new URLPattern('/Path', 'https://x.test', { ignoreCase: true });
    const c = new URLPattern({ pathname: '/Path' });
    return [a.test({ pathname: '/path' }), b.test('https://x.test/PATH'), c.test({ pathname: '/path' })];
  `);
  t.same(r, [true, true, false]);
});

t.test('errors: invalid patterns, relative strings without base, dict with base', async (t) => {
  const r = await g.run<string[]>(`
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    return [
      err(() => new URLPattern('/no-base')),
      err(() => new URLPattern({ pathname: '/(' })),
      err(() => new URLPattern({ pathname: '/:id' }, 'https://x.test')),
      err(() => new URLPattern({ protocol: 'ht tp' })),
      err(() => new URLPattern({ pathname: '/x' }).exec({ pathname: '/x' }, 'https://x.test')),
      err(() => new URLPattern(Symbol())),
    ];
  `);
  t.same(r, ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError']);
});

t.test('interface shape and brand checks', async (t) => {
  const r = await g.run<Record<string, unknown>>(`
    const proto = URLPattern.prototype;
    const err = (f) => { try { f(); return 'ok'; } catch (e) { return e.constructor.name; } };
    return {
      name: URLPattern.name,
      length: [URLPattern.length, proto.test.length, proto.exec.length],
      keys: Object.keys(proto),
      tag: Object.prototype.toString.call(new URLPattern({})),
      getterBrand: err(() => Object.getOwnPropertyDescriptor(proto, 'pathname').get.call({})),
      methodBrand: err(() => proto.test.call({}, 'https://x.test')),
      noCall: err(() => URLPattern({})),
      empty: new URLPattern().test('https://anything.test/at/all?q#h'),
    };
  `);
  t.equal(r.name, 'URLPattern');
  t.same(r.length, [0, 0, 0]);
  t.same(r.keys, ['test', 'exec', 'protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash', 'hasRegExpGroups']);
  t.equal(r.tag, '[object URLPattern]');
  t.equal(r.getterBrand, 'TypeError');
  t.equal(r.methodBrand, 'TypeError');
  t.equal(r.noCall, 'TypeError');
  t.equal(r.empty, true, 'new URLPattern() matches everything');
});
