// Streams `n` bytes (default 1 GiB) in 64 KiB chunks from a pull source, and echoes uploads
// back as they arrive (POST /echo): both directions stream with backpressure.
const CHUNK = 65536;
export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/echo') return new Response(request.body);
    let left = Number(url.searchParams.get('n') ?? 1073741824);
    const chunk = new Uint8Array(CHUNK).fill(120);
    return new Response(
      new ReadableStream({
        type: 'bytes',
        pull(controller) {
          if (left <= 0) return controller.close();
          const n = Math.min(CHUNK, left);
          left -= n;
          // A fresh view per chunk: enqueue transfers the buffer it is given.
          controller.enqueue(n === CHUNK ? chunk.slice() : chunk.slice(0, n));
        },
      }),
      { headers: { 'content-type': 'application/octet-stream' } },
    );
  },
};
