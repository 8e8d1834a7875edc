// Which addresses the fetch() policy refuses by default, including IPv6 forms that carry an IPv4
// address (the end-to-end refusals are in test/e2e/egress.test.ts).
import t from 'tap';
import { refusedRange, embeddedIpv4, unmapped, ipv6Groups } from '../../src/host-calls/address-ranges.js';
import { describeAllowEntry } from '../../src/host-calls/network-policy.js';

t.test('refused ranges', async (t) => {
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/], ['127.255.0.9', /loopback/], ['::1', /loopback/],
    ['10.1.2.3', /private/], ['172.16.0.1', /private/], ['172.31.255.255', /private/], ['192.168.0.1', /private/],
    ['100.64.0.1', /carrier-grade/], ['100.100.100.200', /carrier-grade/],
    ['169.254.169.254', /link-local/], ['fe80::1', /link-local/],
    ['fc00::1', /unique local/], ['fd00:ec2::254', /unique local/], ['fd20:ce::254', /unique local/],
    ['168.63.129.16', /Azure/],
    ['224.0.0.1', /multicast/], ['ff02::1', /multicast/],
    ['0.0.0.0', /unspecified/], ['::', /unspecified/], ['255.255.255.255', /broadcast/],
    ['::ffff:127.0.0.1', /IPv4-mapped form of 127\.0\.0\.1, a loopback/],
    ['::ffff:7f00:1', /IPv4-mapped form of 127\.0\.0\.1/],
    ['::ffff:0:a00:1', /IPv4-translated form of 10\.0\.0\.1/],
    ['::7f00:1', /IPv4-compatible form of 127\.0\.0\.1/],
    ['64:ff9b::a9fe:a9fe', /NAT64 form of 169\.254\.169\.254/],
    ['2002:c0a8:101::1', /6to4 form of 192\.168\.1\.1/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['fe80::1%eth0', /link-local/],
  ];
  for (const [ip, why] of refused) t.match(refusedRange(ip), why, ip);
  for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8']) {
    t.equal(refusedRange(ip), null, `${ip} is public`);
  }
});

t.test('IPv6 parsing and embedded IPv4', async (t) => {
  t.same(ipv6Groups('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
  t.same(ipv6Groups('[2001:db8::1.2.3.4]'), [0x2001, 0xdb8, 0, 0, 0, 0, 0x102, 0x304]);
  t.equal(ipv6Groups('not-ip'), null);
  t.same(embeddedIpv4('64:ff9b::1.2.3.4'), { v4: '1.2.3.4', form: 'NAT64' });
  t.equal(embeddedIpv4('2606:4700::1111'), null);
  t.equal(unmapped('::ffff:10.0.0.1'), '10.0.0.1');
  t.equal(unmapped('::1'), '::1');
});

t.test('describeAllowEntry says what an entry opens', async (t) => {
  t.match(describeAllowEntry('10.0.0.0/8'), /every address in 10\.0\.0\.0\/8 \(16,777,216 addresses\), any port; it opens refused ranges: 10\.0\.0\.0\/8/);
  t.match(describeAllowEntry('127.0.0.1:5432'), /the address 127\.0\.0\.1, port 5432 only \(refused by default: a loopback address\)/);
  t.match(describeAllowEntry('db.internal'), /host name db\.internal, whatever addresses it resolves to/);
  t.match(describeAllowEntry('db.internal'), /own listeners stay refused/);
  t.equal(describeAllowEntry('a b'), null);
});
