// Attack "crashloop": the module's top level spins 200 ms and then throws, so the app never starts
// and every request makes the server try again.
const end = Date.now() + 200;
while (Date.now() < end);
throw new Error('crash loop: this app never starts');

export default {
  fetch() {
    return new Response('unreachable');
  },
};
