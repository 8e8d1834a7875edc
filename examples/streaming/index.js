// Streams both ways: server-sent events written as they happen, and an upload read chunk by chunk.
const encoder = new TextEncoder();

export default {
  async fetch(request) {
    const url = new URL(request.url);

    // GET /events?n=5: one event every 100 ms; the client sees each one as it is written.
    if (url.pathname === '/events') {
      const n = Number(url.searchParams.get('n') ?? '5');
      let sent = 0;
      const body = new ReadableStream({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          controller.enqueue(encoder.encode(`id: ${sent}\ndata: ${new Date().toISOString()}\n\n`));
          if (++sent === n) controller.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' } });
    }

    // POST /upload: count the bytes and hash them without holding the whole body.
    if (url.pathname === '/upload' && request.method === 'POST') {
      let bytes = 0;
      let chunks = 0;
      for await (const chunk of request.body ?? []) {
        bytes += chunk.byteLength;
        chunks++;
      }
      return Response.json({ bytes, chunks });
    }

    // POST /echo: hand the request body straight back; NANO pipes it without copying it in.
    if (url.pathname === '/echo' && request.method === 'POST') {
      return new Response(request.body, { headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream' } });
    }

    return new Response('try GET /events, POST /upload or POST /echo\n', { status: 404 });
  },
};
