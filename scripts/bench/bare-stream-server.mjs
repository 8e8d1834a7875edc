// Baseline for streaming: bare node:http writing `n` bytes in 64 KiB chunks with backpressure,
// and echoing uploads (POST /echo) through a pipe. Per chunk it does what the NANO bench app does
// (scripts/bench/apps/stream): writes one buffer again and again, or with ?fresh a new copy each
// time (the same Uint8Array slice the app calls).
import { createServer } from 'node:http';

const CHUNK = 65536;
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/echo') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.pipe(res);
    return;
  }
  let left = Number(url.searchParams.get('n') ?? 1073741824);
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const fresh = url.searchParams.has('fresh');
  const chunk = Buffer.alloc(CHUNK, 120);
  const plain = new Uint8Array(chunk.buffer, chunk.byteOffset, CHUNK);
  const copy = (n) => plain.slice(0, n);
  const write = () => {
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      left -= n;
      const data = fresh ? copy(n) : n === CHUNK ? chunk : chunk.subarray(0, n);
      if (!res.write(data)) return void res.once('drain', write);
    }
    res.end();
  };
  write();
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ event: 'listening', port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
