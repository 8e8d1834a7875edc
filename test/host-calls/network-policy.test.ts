// The fetch() network policy's allow-list parsing (the refusals themselves are exercised end to
// end in test/runtime-guest/fetch.test.ts).
import t from 'tap';
import { parseAllowEntry } from '../../src/host-calls/network-policy.js';

t.test('accepted shapes: host, host:port, IPv4, [IPv6]:port, CIDR', async (t) => {
  const shape = (e: string): [string | null, boolean, number | null] | null => {
    const r = parseAllowEntry(e);
    return r === null ? null : [r.host, r.net !== null, r.port];
  };
  t.same(shape('metadata.google.internal'), ['metadata.google.internal', false, null]);
  t.same(shape('Api.Internal:8443'), ['api.internal', false, 8443]);
  t.same(shape('169.254.169.254'), ['169.254.169.254', false, null]);
  t.same(shape('127.0.0.1:8788'), ['127.0.0.1', false, 8788]);
  t.same(shape('[fe80::1]:80'), ['fe80::1', false, 80]);
  t.same(shape('[::ffff:127.0.0.1]'), ['127.0.0.1', false, null], 'IPv4-mapped addresses are stored as IPv4');
  t.same(shape('10.0.0.0/8'), [null, true, null]);
  t.same(shape('fe80::/10'), [null, true, null]);
  const cidr = parseAllowEntry('169.254.0.0/16');
  t.ok(cidr?.net?.check('169.254.169.254', 'ipv4'));
  t.notOk(cidr?.net?.check('10.0.0.1', 'ipv4'));
});

t.test('rejected shapes', async (t) => {
  for (const bad of ['', 'host:0', 'host:70000', '10.0.0.0/33', 'nothost/8', 'a b', 'http://x']) {
    t.equal(parseAllowEntry(bad), null, JSON.stringify(bad));
  }
});
