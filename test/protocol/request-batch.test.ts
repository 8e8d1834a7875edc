// The request batch (Entry.dispatchBatch): what the host encodes, the guest decodes to the same
// requests, in order, field by field — also empty header values, no headers, and a lone request.
import t from 'tap';
import { HEADER_SEP } from '../../src/protocol/bridge.js';
import { decodeBatch, encodeBatch, type BatchedRequest } from '../../src/protocol/request-batch.js';

function roundTrip(batch: readonly BatchedRequest[]): BatchedRequest[] {
  const out: BatchedRequest[] = [];
  decodeBatch(encodeBatch(batch), (id, bodyStream, method, url, headers) => out.push({ id, bodyStream, method, url, headers }));
  return out;
}

t.test('every field of every request survives, in order', async (t) => {
  const batch: BatchedRequest[] = Array.from({ length: 50 }, (_, i) => ({
    id: i + 1,
    bodyStream: i % 3 === 0 ? i + 1 : 0,
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'][i % 5] as string,
    url: `https://app.test:8443/p/${i}?q=${'x'.repeat(i)}&e=%00#h`,
    headers: i % 4 === 0 ? '' : ['host', 'app.test', 'x-n', String(i), 'x-empty', '', 'x-utf8', '€😀'].join(HEADER_SEP),
  }));
  t.same(roundTrip(batch), batch);
});

t.test('a lone request, with and without headers', async (t) => {
  const bare = { id: 7, bodyStream: 0, method: 'HEAD', url: 'http://a/', headers: '' };
  t.same(roundTrip([bare]), [bare]);
  const one = { ...bare, headers: `accept${HEADER_SEP}*/*` };
  t.same(roundTrip([one]), [one]);
});

t.test('the encoding keeps the header list as one string (the guest splits it lazily)', async (t) => {
  const text = encodeBatch([{ id: 1, bodyStream: 0, method: 'GET', url: 'http://a/', headers: `a${HEADER_SEP}1` }, { id: 2, bodyStream: 2, method: 'POST', url: 'http://b/', headers: '' }]);
  t.equal(text, `1${HEADER_SEP}0${HEADER_SEP}GET${HEADER_SEP}http://a/${HEADER_SEP}a${HEADER_SEP}1\u00002${HEADER_SEP}2${HEADER_SEP}POST${HEADER_SEP}http://b/`);
});
