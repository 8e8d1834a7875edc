// Attack "cpu-toplevel": the module never starts. Its top level spins 900 ms, then fills the heap
// past the app's memory limit, so every request makes the server try (and fail) to start it again.
const end = Date.now() + 900;
while (Date.now() < end);
const hoard = [];
for (;;) hoard.push(new Array(100_000).fill(hoard.length));

export default {
  fetch() {
    return new Response('unreachable');
  },
};
