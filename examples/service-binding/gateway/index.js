// The public app: asks the auth app (through the AUTH service binding, in process, no network hop)
// whether the request's token is valid before answering.
export default {
  async fetch(request, env) {
    const check = await env.AUTH.fetch('https://auth.internal/verify', {
      method: 'POST',
      headers: { authorization: request.headers.get('authorization') ?? '' },
    });
    if (check.status !== 200) {
      return new Response('forbidden\n', { status: 403 });
    }
    const { user } = await check.json();
    return new Response(`hello, ${user}\n`);
  },
};
