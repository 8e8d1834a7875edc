// Streams `n` bytes (default 1 GiB) in 64 KiB chunks from a pull source, and echoes uploads
// back as they arrive (POST /echo): both directions stream with backpressure.
//
// Two ways to produce the chunks, each matched by scripts/bench/bare-stream-server.mjs doing the
// same work per chunk, so a ratio compares the runtimes and not two different apps:
// - default: one 64 KiB Uint8Array enqueued again and again (bare: res.write of one Buffer);
// - ?fresh: a byte stream given a new copy per chunk, as enqueue on a byte stream transfers
//   (detaches) the buffer it is given (bare: res.write of a new copy per chunk).
const CHUNK = 65536;
export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/echo') return new Response(request.body);
    let left = Number(url.searchParams.get('n') ?? 1073741824);
    const fresh = url.searchParams.has('fresh');
    const chunk = new Uint8Array(CHUNK).fill(120);
    const next = () => {
      const n = Math.min(CHUNK, left);
      left -= n;
      if (fresh) return n === CHUNK ? chunk.slice() : chunk.slice(0, n);
      return n === CHUNK ? chunk : chunk.subarray(0, n);
    };
    return new Response(
      new ReadableStream({
        type: fresh ? 'bytes' : undefined,
        pull(controller) {
          if (left <= 0) return controller.close();
          controller.enqueue(next());
        },
      }),
      { headers: { 'content-type': 'application/octet-stream' } },
    );
  },
};
