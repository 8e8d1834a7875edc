// Attack "memory": every 50th request fills the heap until the app's memory limit (`memoryMb`)
// ends the isolate; the others answer at once. The count restarts with each new isolate.
let n = 0;
export default {
  fetch() {
    n++;
    if (n % 50 === 0) {
      const hoard = [];
      for (;;) hoard.push(new Array(100_000).fill(n));
    }
    return new Response('ok');
  },
};
