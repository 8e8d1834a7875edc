// Attack "timers": the first request of each isolate arms 100,000 `setInterval(f, 0)` that never
// stop; later requests answer at once. Timers the runtime refuses (a cap on live timers) are
// counted, not fatal, so the answer says how many were armed.
let armed = 0;
let refused = 0;
let ticks = 0;
const f = () => {
  ticks++;
};
export default {
  fetch() {
    if (armed + refused === 0) {
      for (let i = 0; i < 100_000; i++) {
        try {
          setInterval(f, 0);
          armed++;
        } catch {
          refused++;
        }
      }
    }
    return new Response(`armed ${armed}, refused ${refused}, ticks ${ticks}`);
  },
};
