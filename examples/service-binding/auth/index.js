// The auth app: holds the secret and says who a token belongs to. Only the gateway needs to reach
// it; its host name is one the public proxy does not route.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== '/verify' || request.method !== 'POST') {
      return new Response('not found\n', { status: 404 });
    }
    if (request.headers.get('authorization') !== `Bearer ${env.SESSION_TOKEN}`) {
      return Response.json({ valid: false }, { status: 401 });
    }
    return Response.json({ valid: true, user: 'ada' });
  },
};
