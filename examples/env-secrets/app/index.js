// Plain values and secrets both arrive in `env`; secrets never appear in NANO's logs or admin API.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/private') {
      // Compare a token from the request with the API_TOKEN secret.
      if (request.headers.get('authorization') !== `Bearer ${env.API_TOKEN}`) {
        return new Response('unauthorized\n', { status: 401 });
      }
      return Response.json({ ok: true, dbPasswordLength: env.DB_PASSWORD.length });
    }
    return Response.json({
      site: env.SITE_NAME,
      features: env.FEATURES,
      bindings: Object.keys(env).sort(),
    });
  },
};
