// examples/streaming served by a real `nano serve`: events arrive one by one as the app writes
// them, an upload is counted chunk by chunk, and an echo comes back byte for byte.
import t from 'tap';
import { join } from 'node:path';
import { request } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { serve, fetchRaw, ROOT } from '../helpers/serve.js';

t.test('streaming example', async (t) => {
  const s = await serve(['--app', join(ROOT, 'examples/streaming'), '--no-watch']);
  t.teardown(() => s.stop());

  const arrivals = await new Promise<{ at: number; text: string }[]>((resolve, reject) => {
    const start = Date.now();
    const seen: { at: number; text: string }[] = [];
    request({ host: '127.0.0.1', port: s.port, path: '/events?n=10' }, (res) => {
      t.equal(res.headers['content-type'], 'text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (d: string) => seen.push({ at: Date.now() - start, text: d }));
      res.on('end', () => resolve(seen));
    }).on('error', reject).end();
  });
  const events = arrivals.map((a) => a.text).join('').split('\n\n').filter((e) => e !== '');
  t.equal(events.length, 10);
  t.match(events[0], /^id: 0\ndata: \d{4}-/);
  t.ok(arrivals.length >= 2, `the events came in ${arrivals.length} pieces, not one`);
  t.ok((arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0) >= 300, 'the last event came well after the first (they are written 100 ms apart)');

  const upload = randomBytes(3 * 1024 * 1024 + 17);
  const counted = JSON.parse((await fetchRaw(s.port, '/upload', { method: 'POST', body: upload })).text) as { bytes: number; chunks: number };
  t.equal(counted.bytes, upload.length);
  t.ok(counted.chunks > 1, `read in ${counted.chunks} chunks`);

  const echo = await fetchRaw(s.port, '/echo', { method: 'POST', body: upload, headers: { 'content-type': 'application/x-test' } });
  t.equal(echo.headers['content-type'], 'application/x-test');
  t.equal(createHash('sha256').update(echo.body).digest('hex'), createHash('sha256').update(upload).digest('hex'), 'the echo is the upload');
});
