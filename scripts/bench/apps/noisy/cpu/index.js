// Attack "cpu": every 10th request loops until the app's CPU limit (`cpuMs`) stops it; the others
// answer at once. The count restarts with each new isolate.
let n = 0;
export default {
  fetch() {
    n++;
    if (n % 10 === 0) {
      let h = 0;
      for (;;) h = (h * 31 + n) | 0;
    }
    return new Response('ok');
  },
};
