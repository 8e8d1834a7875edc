// The host's decoders of guest values: what the guest sends by contract decodes to the same
// meaning; anything else (wrong types, forged lengths, counts outside the space offered) is null.
import t from 'tap';
import { decodeRespond, decodeWireChunks } from '../../src/protocol/wire.js';

t.test('WireChunks: real byte arrays only', async (t) => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array(10);
  t.same(decodeWireChunks({ chunks: [a, b], done: false, error: null }), { chunks: [a, b], bytes: 13, done: false, error: null });
  t.same(decodeWireChunks({ chunks: [], done: true, error: 'E' }), { chunks: [], bytes: 0, done: true, error: 'E' });
  t.equal(decodeWireChunks({ chunks: [{ byteLength: 1 }], done: true, error: null }), null, 'an object that only claims a length');
  t.equal(decodeWireChunks({ chunks: [new Uint16Array(2)], done: true, error: null }), null, 'another typed array');
  t.equal(decodeWireChunks({ chunks: 'abc', done: true, error: null }), null);
  t.equal(decodeWireChunks({ chunks: [], done: 'yes', error: null }), null);
  t.equal(decodeWireChunks({ chunks: [], done: true, error: 5 }), null);
  t.equal(decodeWireChunks(null), null);
});

t.test('respond: the six arguments by type', async (t) => {
  const bytes = new Uint8Array(2);
  t.same(decodeRespond(7, 200, 'OK', 'a\u0000b', bytes, 0), { id: 7, status: 200, statusText: 'OK', headers: 'a\u0000b', body: bytes, bodyStream: 0 });
  t.same(decodeRespond(7, 204, '', '', null, 3)?.bodyStream, 3);
  t.equal(decodeRespond('7', 200, 'OK', '', null, 0), null, 'an id that is not a number');
  t.equal(decodeRespond(7, 200.5, 'OK', '', null, 0), null);
  t.equal(decodeRespond(7, 200, {}, '', null, 0), null);
  t.equal(decodeRespond(7, 200, 'OK', '', { byteLength: 1 }, 0), null, 'a body that only claims to be bytes');
  t.equal(decodeRespond(7, 200, 'OK', '', null, 0.5), null);
});
