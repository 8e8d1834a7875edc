// Baseline for streaming: bare node:http writing `n` bytes in 64 KiB chunks with backpressure,
// and echoing uploads (POST /echo) through a pipe.
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
  const chunk = Buffer.alloc(CHUNK, 120);
  const write = () => {
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      left -= n;
      if (!res.write(n === CHUNK ? chunk : chunk.subarray(0, n))) return void res.once("drain", write);
    }
    res.end();
  };
  write();
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ event: 'listening', port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
