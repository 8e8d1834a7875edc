// The response outbox: records the guest's encoders make decode to what was encoded, in order;
// a record that breaks the format stops the decode (the records before it were delivered).
import t from 'tap';
import { decodeOutbox, encodeOutboxBodyReady, encodeOutboxResponse } from '../../src/protocol/outbox.js';

type Record = ['response', number, number, string, string, string | null] | ['bodyReady', number];

function decode(text: string): { ok: boolean; records: Record[] } {
  const records: Record[] = [];
  const ok = decodeOutbox(text, {
    response: (id, status, statusText, headers, body) => records.push(['response', id, status, statusText, headers, body]),
    bodyReady: (id) => records.push(['bodyReady', id]),
  });
  return { ok, records };
}

t.test('round trip: bodies with line feeds, non-Latin-1 text, empty and absent bodies', async (t) => {
  const records: Record[] = [
    ['response', 1, 200, 'OK', 'content-type\ntext/plain', 'hello\nworld\n'],
    ['bodyReady', 7],
    ['response', 2, 404, '', '', null],
    ['response', 3, 200, 'Gut ✓', 'x-a\né\nx-b\n', ''],
    ['response', 4294967296, 599, 'r\nb5\n', 'h', '€'.repeat(1000)],
    ['bodyReady', 0],
  ];
  const text = records.map((r) => (r[0] === 'bodyReady' ? encodeOutboxBodyReady(r[1]) : encodeOutboxResponse(r[1], r[2], r[3], r[4], r[5]))).join('');
  t.same(decode(text), { ok: true, records });
  t.same(decode(''), { ok: true, records: [] }, 'an empty outbox');
});

t.test('forgeries stop the decode after the good records', async (t) => {
  const good = encodeOutboxResponse(1, 200, 'OK', '', 'x');
  const cases: [string, string][] = [
    ['x1\n', 'an unknown record kind'],
    ['b\n', 'a missing stream id'],
    ['b-3\n', 'a negative stream id'],
    ['b1', 'a record without its line feed'],
    ['r1\n200\n2\n0\n5\nOKabc', 'a body longer than what is left'],
    ['r1\n200\n-2\n0\n0\n', 'a negative length'],
    ['r1\n200\n0\n0\n-2\n', 'a body length below -1'],
    ['r1\n2e2\n0\n0\n-1\n', 'a number that is not an integer literal'],
    ['r1\n200\n0\n0\n', 'a truncated header'],
    ['r99999999999999999999\n200\n0\n0\n-1\n', 'an id past the safe integers'],
  ];
  for (const [bad, why] of cases) {
    const { ok, records } = decode(good + bad + good);
    t.equal(ok, false, why);
    t.equal(records.length, 1, `${why}: only the record before it`);
  }
});
