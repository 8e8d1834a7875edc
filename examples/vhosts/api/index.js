// api.example.test: a JSON API with its own, tighter limits.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/v2/echo' && request.method === 'POST') {
      return Response.json({ version: env.API_VERSION, received: await request.json() });
    }
    return Response.json({ version: env.API_VERSION, path: url.pathname });
  },
};
