// example.test, www.example.test, and every Host no other app claims (it is the default app).
export default {
  fetch(request, env) {
    const host = new URL(request.url).hostname;
    return new Response(`${env.SITE} home page (Host: ${host})\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};
