// A reverse proxy: /api/* goes to env.UPSTREAM with the client's method, headers and body, and the
// upstream's response streams back. NANO refuses loopback and private addresses unless `fetch.allow`
// in nano.json opens them, as it does here for the one upstream.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/api/')) {
      return new Response('not proxied\n', { status: 404 });
    }
    const target = new URL(url.pathname.slice('/api'.length) + url.search, env.UPSTREAM);
    const headers = new Headers(request.headers);
    headers.set('x-forwarded-host', url.host);
    try {
      const upstream = await fetch(target, {
        method: request.method,
        headers,
        body: request.body,
        duplex: 'half',
        signal: request.signal,
        redirect: 'manual',
      });
      // The upstream's body is piped to the client without entering the isolate.
      return new Response(upstream.body, upstream);
    } catch (err) {
      return Response.json({ error: 'upstream unreachable', detail: String(err) }, { status: 502 });
    }
  },
};
