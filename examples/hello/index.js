// The example app `npx nano serve --app examples/hello` serves.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/json') {
      return Response.json({ hello: 'world', method: request.method, path: url.pathname });
    }
    return new Response(`Hello from NANO! You asked for ${url.pathname}\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
