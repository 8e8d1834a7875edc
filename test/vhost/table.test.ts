// Virtual host table: exact, wildcard (longest wins), default, ports and case.
import t from 'tap';
import { VhostTable, normalizeHost } from '../../src/vhost/table.js';

t.test('lookup rules', async (t) => {
  const table = new VhostTable([
    { hostnames: ['api.example.com'], isDefault: false, target: 'api' },
    { hostnames: ['*.example.com'], isDefault: false, target: 'wild' },
    { hostnames: ['*.deep.example.com'], isDefault: false, target: 'deep' },
    { hostnames: [], isDefault: true, target: 'fallback' },
  ]);
  t.equal(table.lookup('API.Example.com:443'), 'api');
  t.equal(table.lookup('www.example.com'), 'wild');
  t.equal(table.lookup('x.deep.example.com'), 'deep', 'longest wildcard wins');
  t.equal(table.lookup('example.com'), 'fallback', 'the wildcard needs a label before the suffix');
  t.equal(table.lookup(undefined), 'fallback');
  t.equal(table.lookup('api.example.com.'), 'api', 'a trailing dot is ignored');
  const none = new VhostTable([{ hostnames: ['a.test'], isDefault: false, target: 1 }, { hostnames: ['b.test'], isDefault: false, target: 2 }]);
  t.equal(none.lookup('c.test'), undefined);
  const single = new VhostTable([{ hostnames: [], isDefault: false, target: 'only' }]);
  t.equal(single.lookup('anything'), 'only', 'a lone app without hostnames serves every host');
});

t.test('normalizeHost handles IPv6 literals and ports', async (t) => {
  t.equal(normalizeHost('[::1]:8080'), '[::1]');
  t.equal(normalizeHost('Example.COM:80'), 'example.com');
});
